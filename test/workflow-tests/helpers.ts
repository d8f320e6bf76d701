/** Test files and workflows written to a scratch folder, and run the way segue test runs them. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { formatProblem } from '../../definitions/model.js';
import { runTestFiles, type FileResult, type RunOptions } from '../../workflow-tests/runner.js';

/** Steps for a workflow's list: a task with a compensation, then a task without. */
export const RESERVE_THEN_CHARGE = `  - name: reserve
    type: task
    task: inventory.reserve
    compensate: { task: inventory.release }
  - name: charge
    type: task
    task: payments.charge
`;

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

/** A fresh folder holding `files` (name → text); removed after the test file's tests. */
export async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'segue-wt-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

export interface Ran {
  dir: string;
  result: FileResult;
  /** Every case's failures (and the file's problems), as `file:line:column: message` with the file's folder left out. */
  lines: string[];
}

/** Runs the test file `test` (default `wf.test.yaml`) of a folder holding `files`. */
export async function runIn(files: Record<string, string>, test = 'wf.test.yaml', options: RunOptions = {}): Promise<Ran> {
  const dir = await folderWith(files);
  const [result] = await runTestFiles([join(dir, test)], options);
  const all = [...result!.problems, ...result!.cases.flatMap((c) => c.failures)];
  return { dir, result: result!, lines: all.map((p) => formatProblem(p).replace(`${dir}/`, '')) };
}

/** The result of each case by name: its failures' lines, or 'pass'. */
export function verdicts(ran: Ran): Record<string, string[] | 'pass'> {
  const out: Record<string, string[] | 'pass'> = {};
  for (const c of ran.result.cases) out[c.name] = c.failures.length === 0 ? 'pass' : c.failures.map((p) => formatProblem(p).replace(`${ran.dir}/`, ''));
  return out;
}
