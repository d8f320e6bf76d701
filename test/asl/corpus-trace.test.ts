/**
 * The pure ASL functions against the executions recorded from AWS Step Functions: every state of
 * the shared corpus whose outcome is a function of its input and definition must come out as AWS
 * recorded it. Prints the pass rate per state type and per feature, and every failure with its
 * reason; fails when the rate drops below the floor reached so far.
 */
import { describe, expect, it } from 'vitest';
import { CORPUS_REQUIRED, corpusAbsence, loadCases } from './corpus/corpus.js';
import { replayCase } from './corpus/trace-replay.js';
import type { StateCheck } from './corpus/trace-replay.js';

/** The share of checked states that must match (raise it as the implementation improves). */
const PASS_RATE_FLOOR = 0.98;

const absent = corpusAbsence();

describe.skipIf(absent !== null && !CORPUS_REQUIRED)('recorded traces of the ASL corpus', () => {
  it(absent === null ? 'replays every pure state as AWS recorded it' : `cannot run: ${absent}`, async () => {
    expect(absent, 'the corpus must be present in CI').toBeNull();
    const cases = loadCases();
    const checks: (StateCheck & { features: string[] })[] = [];
    for (const c of cases) for (const check of await replayCase(c)) checks.push({ ...check, features: c.features });
    const passed = checks.filter((c) => c.passed).length;
    console.log(report(checks));
    expect(checks.length).toBeGreaterThan(0);
    expect(passed / checks.length).toBeGreaterThanOrEqual(PASS_RATE_FLOOR);
  });
});

function report(checks: (StateCheck & { features: string[] })[]): string {
  const lines: string[] = [];
  const tally = (label: string, group: StateCheck[]) => {
    const ok = group.filter((c) => c.passed).length;
    lines.push(`  ${label.padEnd(24)} ${String(ok).padStart(4)} / ${String(group.length).padEnd(4)} ${((100 * ok) / group.length).toFixed(1)}%`);
  };
  lines.push('ASL corpus, recorded traces: states checked per type');
  for (const type of [...new Set(checks.map((c) => c.type))].sort()) tally(type, checks.filter((c) => c.type === type));
  lines.push('per feature of the case');
  for (const feature of [...new Set(checks.flatMap((c) => c.features))].sort()) tally(feature, checks.filter((c) => c.features.includes(feature)));
  tally('all', checks);
  const cases = new Set(checks.map((c) => c.caseId));
  const clean = [...cases].filter((id) => checks.every((c) => c.caseId !== id || c.passed));
  lines.push(`  cases with a checked state: ${cases.size}, every checked state as recorded: ${clean.length}`);
  const failures = checks.filter((c) => !c.passed);
  if (failures.length > 0) lines.push('failures:');
  for (const f of failures) lines.push(`  ${f.caseId} / ${f.state} (${f.type}): ${f.reason}`);
  return lines.join('\n');
}
