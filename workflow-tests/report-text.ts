/**
 * What `segue test` prints: one line per case (pass or FAIL, its virtual and real time), under a
 * failing case one `file:line:column: message` line per difference, and a summary at the end.
 */
import { formatProblem } from '../definitions/model.js';
import { formatElapsed } from './expectations.js';
import type { CaseResult } from './run-case.js';
import type { FileResult, RunListener } from './runner.js';

export function textReporter(write: (text: string) => void): RunListener & { summary(results: readonly FileResult[]): void } {
  return {
    caseFinished(file, result) {
      write(`${caseLine(file.file, result)}\n`);
      for (const failure of result.failures) write(`      ${formatProblem(failure)}\n`);
      if (result.failures.length > 0 && result.ended) write(`      (${result.ended})\n`);
      for (const written of result.written) write(`      wrote ${written}\n`);
    },
    fileFinished(file) {
      if (file.problems.length === 0) return;
      // The problems may be the workflow's: each line names its own file.
      write(`FAIL  ${file.file}: ${file.problems.length === 1 ? 'a problem' : `${file.problems.length} problems`} to fix before its cases can run\n`);
      for (const problem of file.problems) write(`      ${formatProblem(problem)}\n`);
    },
    summary(results) {
      write(`\n${summaryLine(results)}\n`);
    },
  };
}

function caseLine(file: string, result: CaseResult): string {
  const verdict = result.failures.length === 0 ? 'pass' : 'FAIL';
  return `${verdict}  ${file} › ${result.name}  (virtual ${formatElapsed(result.virtualMs)}, real ${Math.round(result.realMs)} ms)`;
}

export function summaryLine(results: readonly FileResult[]): string {
  const cases = results.flatMap((r) => r.cases);
  const failed = cases.filter((c) => c.failures.length > 0).length;
  const invalid = results.filter((r) => r.problems.length > 0).length;
  const virtual = cases.reduce((sum, c) => sum + c.virtualMs, 0);
  const real = results.reduce((sum, r) => sum + r.realMs, 0);
  const parts = [`${cases.length - failed} passed`, `${failed} failed`];
  if (invalid > 0) parts.push(`${invalid} test file${invalid === 1 ? '' : 's'} with problems`);
  const files = `${results.length} test file${results.length === 1 ? '' : 's'}`;
  return `${parts.join(', ')} (${files}; virtual ${formatElapsed(virtual)}, real ${(real / 1000).toFixed(2)} s)`;
}
