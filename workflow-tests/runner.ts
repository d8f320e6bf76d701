/**
 * `segue test` without its command line: every case of every test file, one after the other,
 * each on an engine of its own. Reporters get each result as it comes (see report-text.ts).
 */
import type { Problem } from '../definitions/model.js';
import { runCase, type CaseOptions, type CaseResult } from './run-case.js';
import { loadTestFile } from './test-file.js';
import { WorkflowLibrary } from './workflows.js';

export interface FileResult {
  file: string;
  /** Problems of the test file itself (then no case ran). */
  problems: Problem[];
  cases: CaseResult[];
  realMs: number;
}

export interface RunOptions extends CaseOptions {
  /** More folders where child workflows are looked for (`--workflows`). */
  workflows?: readonly string[];
}

export interface RunListener {
  fileStarted?(file: string): void;
  caseFinished?(file: FileResult, result: CaseResult): void;
  fileFinished?(file: FileResult): void;
}

export async function runTestFiles(files: readonly string[], options: RunOptions = {}, listener: RunListener = {}): Promise<FileResult[]> {
  const library = new WorkflowLibrary(options.workflows ?? []);
  const results: FileResult[] = [];
  for (const file of files) {
    const began = performance.now();
    listener.fileStarted?.(file);
    const result: FileResult = { file, problems: [], cases: [], realMs: 0 };
    const loaded = await loadTestFile(file, library);
    if (!loaded.ok) result.problems = loaded.problems;
    else {
      for (let i = 0; i < loaded.test.definition.cases.length; i += 1) {
        const outcome = await runCase(loaded.test, i, options);
        result.cases.push(outcome);
        listener.caseFinished?.(result, outcome);
      }
    }
    result.realMs = performance.now() - began;
    results.push(result);
    listener.fileFinished?.(result);
  }
  return results;
}

/** True when every test file is valid and every case passed. */
export function allPassed(results: readonly FileResult[]): boolean {
  return results.every((r) => r.problems.length === 0 && r.cases.every((c) => c.failures.length === 0));
}
