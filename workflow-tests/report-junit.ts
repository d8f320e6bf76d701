/**
 * The results as JUnit XML (`segue test --junit <file>`), the format CI servers read: a suite per
 * test file, a testcase per case with a <failure> per failing case, and an <error> for a test
 * file with problems (none of its cases ran).
 */
import { formatProblem } from '../definitions/model.js';
import type { FileResult } from './runner.js';

export function junitXml(results: readonly FileResult[]): string {
  const cases = results.flatMap((r) => r.cases);
  const failures = cases.filter((c) => c.failures.length > 0).length;
  const errors = results.filter((r) => r.problems.length > 0).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="segue test" tests="${cases.length + errors}" failures="${failures}" errors="${errors}" time="${seconds(results.reduce((s, r) => s + r.realMs, 0))}">`,
  ];
  for (const r of results) {
    const failed = r.cases.filter((c) => c.failures.length > 0).length;
    const invalid = r.problems.length > 0 ? 1 : 0;
    lines.push(`  <testsuite name="${xml(r.file)}" file="${xml(r.file)}" tests="${r.cases.length + invalid}" failures="${failed}" errors="${invalid}" time="${seconds(r.realMs)}">`);
    if (invalid) {
      const text = r.problems.map(formatProblem).join('\n');
      lines.push(`    <testcase name="the test file" classname="${xml(r.file)}" file="${xml(r.file)}" time="0">`);
      lines.push(`      <error message="${xml(formatProblem(r.problems[0]!))}">${xml(text)}</error>`, '    </testcase>');
    }
    for (const c of r.cases) {
      const open = `    <testcase name="${xml(c.name)}" classname="${xml(r.file)}" file="${xml(r.file)}" time="${seconds(c.realMs)}"`;
      if (c.failures.length === 0) {
        lines.push(`${open}/>`);
        continue;
      }
      const text = [...c.failures.map(formatProblem), ...(c.ended ? [`(${c.ended})`] : [])].join('\n');
      lines.push(`${open}>`, `      <failure message="${xml(formatProblem(c.failures[0]!))}">${xml(text)}</failure>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text fit for an XML attribute or element; characters XML 1.0 cannot hold are dropped. */
function xml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
