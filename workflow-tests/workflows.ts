/**
 * The workflows a test file needs: the one under test, and the child workflows its `workflow`
 * steps call (and theirs), found by name among the definition files of the folders given.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadPlan } from '../definitions/load.js';
import type { Plan, Problem } from '../definitions/model.js';
import { isRecord } from '../definitions/messages.js';
import { parseSource } from '../definitions/source.js';
import { TEST_FILE } from './model.js';

export interface LoadedWorkflow {
  name: string;
  file: string;
  text: string;
  plan: Plan;
}

/** The workflow under test and every workflow it may start, by name. */
export interface WorkflowSet {
  main: LoadedWorkflow;
  /** Every workflow of the set, the main one included. */
  byName: ReadonlyMap<string, LoadedWorkflow>;
}

export type Loaded = { ok: true; workflows: WorkflowSet } | { ok: false; problems: Problem[] } | { ok: false; message: string };

const DEFINITION_FILE = /\.(ya?ml|json)$/i;

/** The workflow file a test file tests when it names none: `order.test.yaml` → `order.yaml` (or .yml, .json). */
export async function defaultWorkflowFile(testFile: string): Promise<string | undefined> {
  const base = basename(testFile).replace(TEST_FILE, '');
  const own = /\.(ya?ml|json)$/i.exec(testFile)?.[0] ?? '.yaml';
  const names = await readdir(dirname(testFile)).catch(() => [] as string[]);
  const candidates = [own, '.yaml', '.yml', '.json'].map((ext) => `${base}${ext}`);
  const found = candidates.find((name) => names.includes(name));
  return found === undefined ? undefined : join(dirname(testFile), found);
}

/**
 * Definition files read once per run, by folder: a test file's folder is read for each test file
 * beside it, but parsed once.
 */
export class WorkflowLibrary {
  private readonly folders = new Map<string, Promise<DefinitionFile[]>>();

  /** `extraFolders`: where else child workflows are looked for (`--workflows`). */
  constructor(private readonly extraFolders: readonly string[] = []) {}

  /** Loads `file` and, from its folder and the extra folders, the child workflows it calls. */
  async load(file: string): Promise<Loaded> {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => err);
    if (typeof text !== 'string') return { ok: false, message: `cannot read the workflow file ${file}: ${text.code === 'ENOENT' ? 'no such file' : text.message}` };
    const main = loadPlan(text, file);
    if (!main.plan) return { ok: false, problems: main.problems };
    const byName = new Map<string, LoadedWorkflow>([[main.plan.name, { name: main.plan.name, file, text, plan: main.plan }]]);
    const folders = [dirname(file), ...this.extraFolders];
    const pending = [main.plan];
    for (let plan = pending.pop(); plan; plan = pending.pop()) {
      for (const child of childWorkflows(plan)) {
        if (byName.has(child)) continue;
        const found = await this.find(child, folders);
        if (found === undefined) {
          return { ok: false, message: `workflow ${plan.name} calls the workflow "${child}", which no definition file in ${folders.join(' or ')} is named; put its file there, or give its folder with --workflows` };
        }
        const loaded = loadPlan(found.text, found.file);
        if (!loaded.plan) return { ok: false, problems: loaded.problems };
        byName.set(child, { name: child, file: found.file, text: found.text, plan: loaded.plan });
        pending.push(loaded.plan);
      }
    }
    return { ok: true, workflows: { main: byName.get(main.plan.name)!, byName } };
  }

  private async find(name: string, folders: readonly string[]): Promise<{ file: string; text: string } | undefined> {
    for (const folder of folders) {
      const found = (await this.definitions(folder)).find((d) => d.name === name);
      if (found) return found;
    }
    return undefined;
  }

  /** The definition files of a folder, test files left out. */
  private definitions(folder: string): Promise<DefinitionFile[]> {
    const key = resolve(folder);
    let files = this.folders.get(key);
    if (files === undefined) {
      files = readDefinitions(folder);
      this.folders.set(key, files);
    }
    return files;
  }
}

interface DefinitionFile {
  file: string;
  text: string;
  /** The `name` the definition gives itself, even when it has other problems. */
  name?: string;
}

async function readDefinitions(folder: string): Promise<DefinitionFile[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const files: DefinitionFile[] = [];
  for (const name of names.sort()) {
    if (!DEFINITION_FILE.test(name) || TEST_FILE.test(name)) continue;
    const file = join(folder, name);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const value = parseSource(text, file).value;
    files.push({ file, text, ...(isRecord(value) && typeof value.name === 'string' ? { name: value.name } : {}) });
  }
  return files;
}

/** Names of the workflows a plan's `workflow` steps start, in every scope. */
export function childWorkflows(plan: Plan): string[] {
  const names = new Set<string>();
  for (const scope of plan.scopes.values()) for (const step of scope.steps) if (step.type === 'workflow') names.add(step.workflow);
  return [...names];
}
