/**
 * Valid definitions written to hurt, against a real `segue serve`: expressions that would build
 * without bound, run for long, or match a regular expression for ever. Each fails its step with
 * ExpressionError, and the server keeps answering and completing other instances.
 */
import { describe, expect, it } from 'vitest';
import { finishedOn, http, serverForFile } from '../helpers/server.js';

const setStep = (name: string, expression: string): string => `name: ${name}
steps:
  - name: compute
    type: set
    values:
      x: '\${ ${expression} }'
`;

const QUICK = `name: quick
steps:
  - { name: done, type: succeed, output: { ok: true } }
`;

const HOSTILE: Record<string, string> = {
  'pad-huge': '$length($pad("", 120000000))',
  'pad-large': '$length($pad("", 100000000, "x"))',
  'doubling': '($s := $pad("", 1000000, "x"); $s & $s & $s & $s & $s)',
  'long-loop': '$sum([1..5000000].($ * 2))',
  'distinct-long': '$count($distinct([1..200000]))',
  'sort-long': '$count($sort([1..200000].(-$)))',
  'memory': '$count([1..20].[1..9000000])',
};

const server = serverForFile([QUICK, ...Object.entries(HOSTILE).map(([name, e]) => setStep(name, e))]);

async function stillServing(): Promise<void> {
  expect((await http(server().url, 'GET', '/healthz')).status).toBe(200);
  const quick = await server().client.startInstance('quick', {}, '10s');
  expect(quick.status).toBe('COMPLETED');
}

describe('hostile expressions', () => {
  it.each(Object.keys(HOSTILE))('%s fails its step with ExpressionError and the server goes on', async (name) => {
    const started = await server().client.startInstance(name, {});
    const view = await finishedOn(server().client, started.id);
    expect(view.status).toBe('FAILED');
    expect(view.error).toMatchObject({ error: 'ExpressionError', step: 'compute' });
    expect(view.error?.message).toMatch(/would build a text of|built a text of|ran longer than the 1000 ms|ran out of the \d+ MiB of memory/);
    await stillServing();
  });

  it('completes other instances while hostile ones are evaluated', async () => {
    const hostile = await Promise.all(['long-loop', 'distinct-long', 'sort-long'].map((n) => server().client.startInstance(n, {})));
    const quick = await Promise.all(Array.from({ length: 10 }, () => server().client.startInstance('quick', {}, '10s')));
    expect(quick.map((v) => v.status)).toEqual(Array(10).fill('COMPLETED'));
    for (const h of hostile) expect((await finishedOn(server().client, h.id)).error).toMatchObject({ error: 'ExpressionError' });
  });

  it('refuses at registration the patterns that can take exponential time, with line and column', async () => {
    const schema = `name: schema-redos
input: { type: object, properties: { code: { type: string, pattern: "^(a|a)*$" }, tag: { type: string, pattern: "^([a-z]|a)*$" } } }
steps:
  - { name: done, type: succeed }
`;
    const when = `name: when-redos
steps:
  - name: route
    type: choice
    choices:
      - { when: "$contains(code, /^(a|a)*$/)", next: done }
  - { name: done, type: succeed }
`;
    for (const [text, where] of [[schema, ['2:69', '2:113']], [when, ['6:34']]] as const) {
      const answer = await http(server().url, 'POST', '/v1/workflows', text, { 'content-type': 'application/yaml' });
      expect(answer.status).toBe(400);
      const problems = (answer.json as { errors: { line: number; column: number; message: string }[] }).errors;
      expect(problems.map((p) => `${p.line}:${p.column}`)).toEqual(where);
      for (const p of problems) expect(p.message).toMatch(/can take exponential time on a long run of "a"/);
    }
    const safe = await http(server().url, 'POST', '/v1/workflows', setStep('decimals', String.raw`$match("3.14F", /(-?\d+(?:\.\d*)?)F\b/).groups[0] & $string($contains("12.5", /\d+(\.\d+)?/))`), { 'content-type': 'application/yaml' });
    expect(safe.status).toBe(201);
  });
});
