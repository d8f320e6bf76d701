/**
 * Random JSONata built-in calls with large arguments, thrown at a running `segue serve` for a
 * bounded time (through `$eval` of the start input, so one definition serves them all): each ends
 * COMPLETED or FAILED with ExpressionError, and the server stays up and keeps completing others.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { finishedOn, http, serverForFile } from '../helpers/server.js';

const EVAL = `name: evaluate
steps:
  - name: compute
    type: set
    values:
      x: "\${ $eval($input.expr) }"
`;
const QUICK = `name: quick
steps:
  - { name: done, type: succeed, output: { ok: true } }
`;

const server = serverForFile([EVAL, QUICK]);

const sizes = fc.constantFrom(0, 7, 1_000, 100_000, 3_000_000, 100_000_000, 1_000_000_000);
const text = fc.oneof(
  sizes.map((n) => `$pad("", ${n}, "ab")`),
  fc.constantFrom('"x"', '""', '"a,b,c"', '$string([1..1000])'),
);
const list = fc.oneof(
  fc.constantFrom(10, 10_000, 1_000_000, 10_000_000).map((n) => `[1..${n}]`),
  sizes.map((n) => `$split($pad("", ${Math.min(n, 5_000_000)}, "ab"), "")`),
);
const number = fc.constantFrom('0', '-1', '1e308', '9007199254740993', '100000000', '1000000000');
const call = fc.oneof(
  fc.tuple(text, number, text).map(([s, n, c]) => `$pad(${s}, ${n}, ${c})`),
  fc.tuple(list, text).map(([l, s]) => `$join(${l}.$string(), ${s})`),
  fc.tuple(list, fc.boolean()).map(([l, p]) => `$string(${l}, ${p})`),
  fc.tuple(text, text, text).map(([s, p, r]) => `$replace(${s}, ${p} & "a", ${r})`),
  fc.tuple(text, fc.constantFrom('/a/', '/(a|b)+/', '""', '"a"')).map(([s, r]) => `$split(${s}, ${r})`),
  fc.tuple(text, fc.constantFrom('/a/', '/b+a?/', '/./')).map(([s, r]) => `$count($match(${s}, ${r}))`),
  text.map((s) => `$length(${s})`),
  fc.tuple(text, number, number).map(([s, a, b]) => `$substring(${s}, ${a}, ${b})`),
  list.map((l) => `$count($sort(${l}))`),
  list.map((l) => `$count($distinct(${l}))`),
  list.map((l) => `$count($reverse(${l}))`),
  fc.tuple(list, list).map(([a, b]) => `$count($append(${a}, ${b}))`),
  fc.tuple(list, list).map(([a, b]) => `$count($zip(${a}, ${b}))`),
  number.map((n) => `$formatNumber(${n}, "#,##0.00")`),
  fc.tuple(number, fc.constantFrom('"w"', '"0000000000"', '"#0"')).map(([n, p]) => `$formatInteger(${n}, ${p})`),
  fc.tuple(number, sizes).map(([n, w]) => `$fromMillis(${n}, "[Y,${w}]")`),
  text.map((s) => `$length($base64encode(${s}))`),
  text.map((s) => `$length($encodeUrlComponent(${s}))`),
  fc.tuple(text, fc.integer({ min: 1, max: 6 })).map(([s, k]) => `($s := ${s}; ${Array(k).fill('$s').join(' & ')})`),
);

it('stays up and keeps completing other instances under random large built-in calls', { timeout: 120_000 }, async () => {
  const deadline = Date.now() + 30_000;
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(call, async (expr) => {
      if (Date.now() > deadline) return;
      const started = await server().client.startInstance('evaluate', { input: { expr } }).catch((err: { status?: number }) => err);
      if ('status' in started && started.status === 413) {
        // A result within the expression budget can still make the data outgrow its limit: refused as such.
        outcomes.set('too large', (outcomes.get('too large') ?? 0) + 1);
        return;
      }
      const view = await finishedOn(server().client, (started as { id: string }).id);
      if (view.status === 'FAILED') expect(view.error, expr).toMatchObject({ error: 'ExpressionError' });
      else expect(view.status).toBe('COMPLETED');
      const key = view.status === 'COMPLETED' ? 'COMPLETED' : /build|built/.test(view.error!.message) ? 'too large' : /ran longer/.test(view.error!.message) ? 'too long' : /memory/.test(view.error!.message) ? 'memory' : 'other error';
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      expect((await http(server().url, 'GET', '/healthz')).status).toBe(200);
      expect((await server().client.startInstance('quick', {}, '10s')).status).toBe('COMPLETED');
    }),
    { numRuns: 120, seed: 17, endOnFailure: true },
  );
  expect(server().process.exitCode).toBeNull();
  // The run covers both ends: calls that complete, and calls the budget stops.
  expect(outcomes.get('COMPLETED')).toBeGreaterThan(0);
  expect((outcomes.get('too large') ?? 0) + (outcomes.get('too long') ?? 0) + (outcomes.get('memory') ?? 0)).toBeGreaterThan(0);
});
