/**
 * Golden history files (written with --update, then compared event by event), and the promise
 * that a test makes no HTTP request: a real server on this machine sees no connection from an
 * http step that is mocked, nor from one that is not.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestFiles } from '../../workflow-tests/runner.js';
import { folderWith, runIn, verdicts } from './helpers.js';

const WF = (output: string): string => `name: wf
steps:
  - name: charge
    type: task
    task: payments.charge
  - name: done
    type: succeed
    output: ${output}
`;
const TEST = `mocks: { tasks: { payments.charge: { output: { paid: true } } } }
cases:
  - name: paid
    expect: { status: COMPLETED, history: golden/paid.json }
`;

describe('golden history files', () => {
  it('are written by --update, one event a line, and then match', async () => {
    const dir = await folderWith({ 'wf.yaml': WF('{ ok: true }'), 'wf.test.yaml': TEST });
    const file = join(dir, 'wf.test.yaml');
    const [missing] = await runTestFiles([file]);
    expect(missing!.cases[0]!.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/^history: the history file .*golden\/paid\.json does not exist yet; run segue test --update to write it$/),
    ]);
    const [updated] = await runTestFiles([file], { update: true });
    expect(updated!.cases[0]!.failures).toEqual([]);
    expect(updated!.cases[0]!.written).toEqual([expect.stringMatching(/golden\/paid\.json$/)]);
    const lines = (await readFile(join(dir, 'golden', 'paid.json'), 'utf8')).split('\n');
    expect(lines[0]).toBe('[');
    expect(JSON.parse(lines[1]!.replace(/,$/, ''))).toEqual({ run: 1, seq: 1, type: 'InstanceStarted', at: '2026-01-01T00:00:00.000Z', details: { workflow: 'wf', version: 1, run: 1 } });
    expect(lines.filter((l) => l.startsWith('  {"run":1,'))).toHaveLength(9);
    const [again] = await runTestFiles([file]);
    expect(again!.cases[0]!.failures).toEqual([]);
  });

  it('name the first event that differs', async () => {
    const dir = await folderWith({ 'wf.yaml': WF('{ ok: true }'), 'wf.test.yaml': TEST });
    const file = join(dir, 'wf.test.yaml');
    await runTestFiles([file], { update: true });
    await writeFile(join(dir, 'wf.yaml'), WF('{ ok: false }'));
    const [changed] = await runTestFiles([file]);
    expect(changed!.cases[0]!.failures.map((f) => `${f.line}:${f.column}: ${f.message}`)).toEqual([
      expect.stringMatching(
        /^4:43: history: the history differs from .*golden\/paid\.json at event 9 of 9: the file has \{.*"output":\{"ok":true\}.*\}, the run \{.*"output":\{"ok":false\}.*\} \(run segue test --update to accept the new history\)$/,
      ),
    ]);
  });
});

describe('http steps in a test', () => {
  let server: Server;
  let connections = 0;
  let base = '';

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('{"real":true}'));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('make no connection, mocked or not', async () => {
    const before = connections;
    const ran = await runIn({
      'wf.yaml': `name: wf
steps:
  - name: fetch
    type: http
    url: "\${ base }/items"
  - name: done
    type: succeed
    output: "\${ fetch.body }"
`,
      'wf.test.yaml': `cases:
  - name: mocked
    input: { base: "${base}" }
    mocks: { steps: { fetch: { response: { status: 200, body: { mocked: true } } } } }
    expect: { output: { mocked: true } }
  - name: not mocked
    input: { base: "${base}" }
    expect: { status: COMPLETED }
`,
    });
    expect(verdicts(ran)).toEqual({
      mocked: 'pass',
      'not mocked': [`wf.test.yaml:6:11: http step "fetch" calls GET ${base}/items, which no mock answers (a test makes no request); add one under mocks: steps: fetch:`],
    });
    // The same server does answer a real request: the count would have seen one.
    expect((await (await fetch(`${base}/items`)).json()) as unknown).toEqual({ real: true });
    expect(connections).toBe(before + 1);
  });
});
