/**
 * Fuzzing the definition loader: every example, mutated at random (lines deleted, duplicated,
 * swapped, re-indented; scalars and keys changed; fields dropped; junk inserted; text cut short),
 * gives either a plan or positioned problems — never an exception, never a long stall.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../definitions/load.js';
import { formatProblem } from '../../definitions/model.js';

const EXAMPLES = new URL('../../examples/', import.meta.url);
// Definitions only: the examples' test files (*.test.yaml) are not workflows.
const FILES = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml') && !name.endsWith('.test.yaml')).sort();
const RUNS_PER_EXAMPLE = 60;
/** Generous for a slow machine; a loader that loops or backtracks badly takes far longer. */
const CASE_BUDGET_MS = 1_000;

type Mutation =
  | { op: 'delete' | 'duplicate' | 'drop'; at: number }
  | { op: 'swap'; at: number; other: number }
  | { op: 'scalar'; at: number; value: string }
  | { op: 'key'; at: number; key: string }
  | { op: 'junk'; at: number; indent: number; text: string }
  | { op: 'indent'; at: number; by: number }
  | { op: 'cut'; at: number };

const KEYS = [
  'name', 'type', 'next', 'steps', 'branches', 'items', 'retry', 'catch', 'compensate', 'input', 'output', 'result',
  'timeout', 'heartbeat', 'maxAttempts', 'initialInterval', 'errors', 'when', 'choices', 'otherwise', 'event',
  'correlate', 'onTimeout', 'duration', 'until', 'workflow', 'version', 'values', 'concurrency', 'toleratedFailures',
  'defaults', 'schedules', 'task', 'queue', 'url', 'method', '__proto__', 'constructor', '', '-', '"quoted key"',
];

const SCALARS = [
  '0', '-1', '1.5', '1e400', 'true', 'null', '~', '""', '[]', '{}', 'end', 'task', 'map', 'parallel', 'wait', 'continue',
  '"${ }"', '"${ a.b( }"', '"${ $nope() }"', '"${ ${ x } }"', '"text ${ unclosed"', '0s', '-1s', '5x', 'PT', 'P99999999D',
  '99999999999d', '"*"', '"10%"', '"150%"', '&a x', '*a', '!!binary eA==', '!!js/function "f"', '|', '>-', '"\\u0000"',
  '[a, b, [c, {d: e}]]', '{ task: x }', "'single'", '@at', '`tick`',
];

const JUNK = [
  '- name: x', '- name: y\n  type: task', '- [', '{', '"', "'", '---', '...', '%YAML 1.2', '? a', ': b', '\t', '#',
  '&anchor', '*anchor', '<<: *anchor', 'a: &x [*x, *x]', 'key: value: other', '- - -', '!!str', 'steps: []', 'steps:',
];

const index = fc.nat({ max: 10_000 });
const scalar = fc.oneof(fc.constantFrom(...SCALARS), fc.string({ maxLength: 20 }), fc.integer().map(String));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const, 'drop' as const), at: index }),
  fc.record({ op: fc.constant('swap' as const), at: index, other: index }),
  fc.record({ op: fc.constant('scalar' as const), at: index, value: scalar }),
  fc.record({ op: fc.constant('key' as const), at: index, key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })) }),
  fc.record({ op: fc.constant('junk' as const), at: index, indent: fc.nat({ max: 12 }), text: fc.oneof(fc.constantFrom(...JUNK), fc.string({ maxLength: 30 })) }),
  fc.record({ op: fc.constant('indent' as const), at: index, by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ op: fc.constant('cut' as const), at: index }),
);

const KEY_LINE = /^(\s*(?:- )?)([^:#'"\s][^:#]*|"[^"]*"|'[^']*'):(\s|$)(.*)$/;

/** Applies one mutation to the lines of a YAML text. */
function mutate(lines: string[], m: Mutation): string[] {
  if (lines.length === 0) return lines;
  const at = m.at % lines.length;
  const line = lines[at]!;
  const out = [...lines];
  switch (m.op) {
    case 'delete':
      out.splice(at, 1);
      return out;
    case 'duplicate':
      out.splice(at, 0, line);
      return out;
    case 'drop': {
      // The line and the more-indented lines under it: a whole field or list item.
      const depth = indentOf(line);
      let end = at + 1;
      while (end < out.length && (out[end]!.trim() === '' || indentOf(out[end]!) > depth)) end += 1;
      out.splice(at, end - at);
      return out;
    }
    case 'swap': {
      const other = m.other % lines.length;
      [out[at], out[other]] = [out[other]!, line];
      return out;
    }
    case 'scalar': {
      const match = KEY_LINE.exec(line);
      out[at] = match ? `${match[1]}${match[2]}: ${m.value}` : `${' '.repeat(indentOf(line))}- ${m.value}`;
      return out;
    }
    case 'key': {
      const match = KEY_LINE.exec(line);
      out[at] = match ? `${match[1]}${m.key}:${match[3]}${match[4]}` : `${' '.repeat(indentOf(line))}${m.key}: ${line.trim()}`;
      return out;
    }
    case 'junk':
      out.splice(at, 0, ...`${' '.repeat(m.indent)}${m.text}`.split('\n'));
      return out;
    case 'indent':
      out[at] = m.by >= 0 ? `${' '.repeat(m.by)}${line}` : line.slice(Math.min(-m.by, indentOf(line)));
      return out;
    case 'cut': {
      const text = lines.join('\n');
      return text.slice(0, m.at % (text.length + 1)).split('\n');
    }
  }
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

describe('loading mutated example definitions', () => {
  it.each(FILES)('%s: a plan or problems, never an exception or a stall', (file) => {
    const source = readFileSync(new URL(file, EXAMPLES), 'utf8');
    expect(loadPlan(source, file).plan).toBeDefined();
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) => {
        const text = mutations.reduce(mutate, source.split('\n')).join('\n');
        const began = performance.now();
        const result = loadPlan(text, file);
        const took = performance.now() - began;
        expect(took, `loading took ${took.toFixed(0)} ms`).toBeLessThan(CASE_BUDGET_MS);
        if (result.plan) {
          expect(result.problems).toEqual([]);
          return;
        }
        expect(result.problems.length, 'no plan, but no problem said why').toBeGreaterThan(0);
        for (const p of result.problems) {
          expect(p.file).toBe(file);
          expect(Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.column) && p.column >= 1, formatProblem(p)).toBe(true);
          expect(p.message.trim(), formatProblem(p)).not.toBe('');
        }
      }),
      { numRuns: RUNS_PER_EXAMPLE, seed: 20_240_601 },
    );
  });
});
