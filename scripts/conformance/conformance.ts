/**
 * The conformance run: every case of a corpus split on the engine, judged against what AWS
 * recorded. A case passes when the status and the error match and, for SUCCEEDED, the output
 * matches; the cause is compared too, as an extra column. A case that needs what a replay
 * cannot give is unsupported, with its reason, and counts as not passed.
 */
import type { Json } from '../../definitions/model.js';
import { loadCorpusCases, matchesRecorded } from './corpus.js';
import type { CorpusCase } from './corpus.js';
import { runCorpusCase } from './run-case.js';
import type { Execution } from './run-case.js';

export type Verdict = 'pass' | 'fail' | 'unsupported';

export interface CaseResult {
  id: string;
  category: string;
  queryLanguage: CorpusCase['queryLanguage'];
  features: string[];
  verdict: Verdict;
  /** Why it did not pass. */
  reason?: string;
  /** Whether the cause is AWS's too (both absent counts as a match). */
  causeMatches: boolean;
  execution: Execution;
}

/** Why a case cannot be replayed, or undefined when it can. */
function unsupported(c: CorpusCase): string | undefined {
  if (c.expected.status === 'ABORTED') return 'the execution was stopped from outside (StopExecution) while it ran; a replay has no such call';
  return undefined;
}

export async function runCorpus(dir: string, onCase?: (result: CaseResult) => void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of loadCorpusCases(dir)) {
    const result = await judge(c);
    results.push(result);
    onCase?.(result);
  }
  return results;
}

async function judge(c: CorpusCase): Promise<CaseResult> {
  const base = { id: c.id, category: c.id.split('/')[0]!, queryLanguage: c.queryLanguage, features: c.features };
  const why = unsupported(c);
  if (why !== undefined) return { ...base, verdict: 'unsupported', reason: why, causeMatches: false, execution: { status: 'NOT_RUN' } };
  let execution: Execution;
  try {
    execution = await runCorpusCase(c);
  } catch (err) {
    execution = { status: 'CRASHED', stopped: (err as Error).stack ?? String(err) };
  }
  const causeMatches = sameCause(c.expected.cause, execution.cause);
  const reason = mismatch(c, execution);
  return { ...base, verdict: reason === undefined ? 'pass' : 'fail', ...(reason === undefined ? {} : { reason }), causeMatches, execution };
}

function mismatch(c: CorpusCase, got: Execution): string | undefined {
  const want = c.expected;
  const stopped = got.stopped === undefined ? '' : ` (${got.stopped})`;
  if (want.status !== got.status) return `status ${got.status}, AWS ${want.status}${describeEnd(got)}${stopped}`;
  if (!matchesRecorded(want.error, got.error)) return `error ${got.error ?? '(none)'}, AWS ${want.error ?? '(none)'}${got.cause === undefined ? '' : `: ${got.cause}`}`;
  if (want.status === 'SUCCEEDED' && !matchesRecorded(want.output, got.output)) return `output ${short(got.output)}, AWS ${short(want.output)}`;
  return undefined;
}

function describeEnd(got: Execution): string {
  if (got.error !== undefined) return ` with ${got.error}${got.cause === undefined ? '' : `: ${got.cause}`}`;
  return '';
}

/** Causes that are JSON text compare as JSON. */
function sameCause(want: string | undefined, got: string | undefined): boolean {
  if (want === undefined || got === undefined) return want === got;
  return matchesRecorded(parsed(want), parsed(got));
}

function parsed(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function short(value: Json | undefined): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export interface Tally {
  passed: number;
  failed: number;
  unsupported: number;
  causes: number;
}

export function tally(results: readonly CaseResult[]): Tally {
  return {
    passed: results.filter((r) => r.verdict === 'pass').length,
    failed: results.filter((r) => r.verdict === 'fail').length,
    unsupported: results.filter((r) => r.verdict === 'unsupported').length,
    causes: results.filter((r) => r.causeMatches).length,
  };
}

/** The text report: per category and per feature, every case not passed with its reason, then the totals. */
export function formatReport(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  const row = (label: string, group: readonly CaseResult[]) => {
    const t = tally(group);
    const rate = group.length === 0 ? 0 : (100 * t.passed) / group.length;
    lines.push(`  ${label.padEnd(28)} ${String(t.passed).padStart(4)} pass ${String(t.failed).padStart(4)} fail ${String(t.unsupported).padStart(3)} unsupported  ${rate.toFixed(1).padStart(5)}%  causes ${t.causes}/${group.length}`);
  };
  lines.push('per category');
  for (const category of [...new Set(results.map((r) => r.category))].sort()) row(category, results.filter((r) => r.category === category));
  lines.push('per query language');
  for (const language of ['JSONPath', 'JSONata', 'mixed']) row(language, results.filter((r) => r.queryLanguage === language));
  lines.push('per feature');
  for (const feature of [...new Set(results.flatMap((r) => r.features))].sort()) row(feature, results.filter((r) => r.features.includes(feature)));
  const notPassed = results.filter((r) => r.verdict !== 'pass');
  if (notPassed.length > 0) lines.push('not passed');
  for (const r of notPassed) lines.push(`  ${r.verdict.toUpperCase()} ${r.id}: ${r.reason}`);
  row('all', results);
  const t = tally(results);
  lines.push(`${t.passed} passed, ${t.failed + t.unsupported} failed`);
  return lines.join('\n');
}

/** The `--report` file: each case as Segue ended it. */
export function reportRows(results: readonly CaseResult[]): Json[] {
  return results.map((r) => {
    const row: Record<string, Json> = { id: r.id, status: r.execution.status };
    row.output = r.execution.output ?? null;
    row.error = r.execution.error ?? null;
    row.cause = r.execution.cause ?? null;
    return row;
  });
}
