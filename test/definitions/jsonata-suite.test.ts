/**
 * JSONata's own test suite (jsonata 2.2.2's, kept beside the repository) run through Segue's
 * expression path: each case's expression as the one `${ }` of a template, with the bindings a
 * step has (`$input`, `$instance`, `$now`, `$error`) under the case's own. The only departure
 * allowed is Segue's documented rule that a template selecting nothing gives null; the suite's
 * runner code U1001 (its time or depth box) is Segue's D1011/D1012. The data must come out as it
 * went in. Every case is also evaluated in the isolate (a real child process), where evaluations
 * that outgrow the engine's thread go: it must give exactly what the engine's thread gives.
 * Missing corpus: a skip with its reason, and an error in CI.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileTemplate, type ExpressionScope } from '../../definitions/expressions.js';
import { EvaluationBudget, plainScope } from '../../definitions/expression-budget.js';
import { ProcessIsolate } from '../../engine/expression-isolate.js';
import { REPO } from '../helpers/server.js';

const SUITE = join(REPO, '..', 'shared', 'conformance', 'jsonata', 'test-suite');
const present = existsSync(join(SUITE, 'groups'));

interface Case {
  id: string;
  expr: string;
  data: unknown;
  bindings?: Record<string, unknown>;
  result?: unknown;
  undefinedResult?: boolean;
  code?: string;
  timelimit?: number;
  depth?: number;
  unordered?: boolean;
}

function loadCases(): Case[] {
  const datasets = new Map<string, unknown>();
  const dataset = (name: string): unknown => {
    if (!datasets.has(name)) datasets.set(name, JSON.parse(readFileSync(join(SUITE, 'datasets', `${name}.json`), 'utf8')));
    return structuredClone(datasets.get(name));
  };
  const cases: Case[] = [];
  for (const group of readdirSync(join(SUITE, 'groups')).sort()) {
    for (const file of readdirSync(join(SUITE, 'groups', group)).sort()) {
      if (!file.endsWith('.json')) continue;
      const parsed = JSON.parse(readFileSync(join(SUITE, 'groups', group, file), 'utf8')) as Record<string, unknown> | Record<string, unknown>[];
      for (const [i, c] of (Array.isArray(parsed) ? parsed : [parsed]).entries()) {
        const expr = typeof c.expr === 'string' ? c.expr : readFileSync(join(SUITE, 'groups', group, String(c['expr-file'])), 'utf8');
        const data = c.data !== undefined ? c.data : typeof c.dataset === 'string' ? dataset(c.dataset) : undefined;
        const code = (c.code ?? (c.error as { code?: string } | undefined)?.code) as string | undefined;
        cases.push({ ...(c as object), id: `${group}/${file}${Array.isArray(parsed) ? `#${i}` : ''}`, expr, data, ...(code ? { code } : {}) } as Case);
      }
    }
  }
  return cases;
}

/** The transition's time for every case ($toMillis of a bare time reads the wall clock's date, so it is now). */
const NOW = Date.now();

/** The case's scope: on the engine's thread, or (with an isolate and no slice) all in the isolate. */
function scopeOf(c: Case, isolate?: ProcessIsolate): ExpressionScope {
  const scope = plainScope(
    { input: c.data as never, instance: { id: 'suite' }, now: new Date(NOW).toISOString(), error: { error: 'E', message: 'm' }, ...(c.bindings as object) },
    NOW,
    // No case sets a time limit below 1 s; those that set none get room for a slow machine.
    { timeoutMs: c.timelimit ?? 10_000, ...(c.depth !== undefined ? { maxDepth: c.depth } : {}), ...(isolate ? { sliceWork: 0 } : {}) },
  );
  return isolate ? { ...scope, budget: new EvaluationBudget(scope.budget.limits, isolate) } : scope;
}

interface Outcome {
  value?: unknown;
  error?: { code?: string; message?: string };
}

async function outcomeOf(c: Case, scope: ExpressionScope): Promise<Outcome> {
  try {
    return { value: await compileTemplate(`\${ ${c.expr} }`).evaluate(c.data as never, scope) };
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    return { error: { code, message } };
  }
}

/** What the case gives through Segue's path, or why it departs from what the suite expects. */
async function departure(c: Case): Promise<string | undefined> {
  const before = JSON.stringify(c.data);
  const { value, error } = await outcomeOf(c, scopeOf(c));
  if (JSON.stringify(c.data) !== before) return 'the data changed';
  if (c.code !== undefined) {
    const code = error?.code === 'D1011' || error?.code === 'D1012' ? 'U1001' : error?.code;
    return code === c.code ? undefined : `expected error ${c.code}, got ${error ? `${error.code}: ${error.message}` : JSON.stringify(value)}`;
  }
  if (error) return `failed: ${error.code}: ${error.message}`;
  if (c.undefinedResult) return value === null ? undefined : `expected nothing (null), got ${JSON.stringify(value)}`;
  const same = isDeepStrictEqual(value, c.result) || (c.unordered === true && Array.isArray(value) && Array.isArray(c.result) && isDeepStrictEqual([...value].sort(), [...c.result].sort()));
  return same ? undefined : `expected ${JSON.stringify(c.result)?.slice(0, 200)}, got ${JSON.stringify(value)?.slice(0, 200)}`;
}

describe('the JSONata 2.2.2 test suite through Segue templates', () => {
  if (!present) {
    if (process.env.CI === 'true') {
      it('has its corpus', () => {
        throw new Error(`the JSONata test suite is missing at ${SUITE}; CI runs it`);
      });
    } else {
      it.skip(`skipped: the JSONata test suite is not at ${SUITE}`, () => {});
    }
    return;
  }

  it('passes every case but the documented departures', { timeout: 300_000 }, async () => {
    const cases = loadCases();
    expect(cases.length).toBe(1686);
    const departures: string[] = [];
    for (const c of cases) {
      const why = await departure(c);
      if (why) departures.push(`${c.id} (${c.expr.replace(/\s+/g, ' ').slice(0, 80)}): ${why}`);
    }
    expect(departures).toEqual([]);
    expect(cases.filter((c) => c.undefinedResult).length).toBe(109);
  });

  it("gives in the isolate exactly what it gives on the engine's thread", { timeout: 300_000 }, async () => {
    const isolate = new ProcessIsolate();
    const differences: string[] = [];
    try {
      for (const c of loadCases()) {
        // Cases that only a time limit ends are left out: where that limit strikes first is the one thing load changes.
        if (c.code === 'U1001' && c.depth === undefined) continue;
        const here = await outcomeOf(c, scopeOf(c));
        const there = await outcomeOf(c, scopeOf(c, isolate));
        if (!isDeepStrictEqual(here, there)) differences.push(`${c.id}: ${JSON.stringify(here).slice(0, 200)} here, ${JSON.stringify(there).slice(0, 200)} in the isolate`);
      }
    } finally {
      await isolate.close();
    }
    expect(differences).toEqual([]);
  });
});
