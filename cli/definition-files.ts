/** Which files a command given files and folders of workflow definitions (or of their tests) reads. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_FILE } from '../workflow-tests/model.js';
import { UsageError } from './args.js';

export const DEFINITION_FILE = /\.(ya?ml|json)$/i;

/** A workflow definition's file name: YAML or JSON, and not a test file (`order.test.yaml`). */
export function isDefinitionFile(name: string): boolean {
  return DEFINITION_FILE.test(name) && !TEST_FILE.test(name);
}

/**
 * A folder stands for the definition files directly in it (with `tests`, its test files too);
 * anything else is taken as a file.
 */
export async function definitionFiles(path: string, options: { tests?: boolean } = {}): Promise<string[]> {
  const names = await folderFiles(path, (name) => (options.tests ? DEFINITION_FILE.test(name) : isDefinitionFile(name)));
  if (names?.length === 0) throw new UsageError(`${path}: this folder holds no .yaml, .yml or .json file`);
  return names ?? [path];
}

/** A folder stands for the test files directly in it; anything else is taken as a file. */
export async function testFiles(path: string): Promise<string[]> {
  const names = await folderFiles(path, (name) => TEST_FILE.test(name));
  if (names?.length === 0) throw new UsageError(`${path}: this folder holds no test file (a name ending in .test.yaml, .test.yml or .test.json)`);
  return names ?? [path];
}

/** The files of a folder that `keep` keeps, sorted; undefined when `path` is not a folder. */
async function folderFiles(path: string, keep: (name: string) => boolean): Promise<string[] | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return undefined;
  return (await readdir(path)).filter(keep).sort().map((name) => join(path, name));
}
