/** Which files a command given files and folders of workflow definitions reads. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './args.js';

export const DEFINITION_FILE = /\.(ya?ml|json)$/i;

/** A folder stands for the definition files directly in it; anything else is taken as a file. */
export async function definitionFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => DEFINITION_FILE.test(name)).sort();
  if (names.length === 0) throw new UsageError(`${path}: this folder holds no .yaml, .yml or .json file`);
  return names.map((name) => join(path, name));
}
