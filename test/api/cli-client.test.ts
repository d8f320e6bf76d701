import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, serverForFile } from '../helpers/server.js';

const GATE = `name: cli-gate
input:
  type: object
  required: [n]
steps:
  - name: open
    type: wait
    event: go
  - name: done
    type: succeed
    output: { n: "\${ n }", by: "\${ open.by }" }
`;

const server = serverForFile([GATE]);

const segue = (...args: string[]) => runCli([...args, '--server', server().url]);

/** A port nothing listens on: one the system just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('client commands', () => {
  it('start, raise and get an instance, as tables and as JSON', async () => {
    const inputFile = join(server().dir, 'input.json');
    writeFileSync(inputFile, '{"n": 7}');
    const started = await segue('start', 'cli-gate', '--input', `@${inputFile}`, '--id', 'cli-1');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^id +cli-1$/m);
    expect(started.stdout).toMatch(/^status +RUNNING$/m);
    expect(started.stdout).toMatch(/^current +open: waiting for event "go"$/m);

    const raised = await segue('raise', 'cli-1', 'go', '--data', '{"by":"ada"}');
    expect(raised.stdout).toBe('event "go" raised for instance cli-1\n');

    const got = await segue('get', 'cli-1', '--wait', '5s', '--json');
    expect(JSON.parse(got.stdout)).toMatchObject({ id: 'cli-1', status: 'COMPLETED', output: { n: 7, by: 'ada' } });
  });

  it('lists instances in an aligned table and pages with --cursor', async () => {
    await segue('start', 'cli-gate', '--input', '{"n":1}', '--id', 'cli-2');
    const listed = await segue('list', '--workflow', 'cli-gate', '--limit', '1');
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +WORKFLOW +VERSION +STATUS +CREATED +UPDATED$/);
    expect(lines[1]).toMatch(/^cli-2 +cli-gate +1 +RUNNING /);
    expect(lines[0]!.indexOf('STATUS')).toBe(lines[1]!.indexOf('RUNNING'));
    const cursor = /more: add --cursor (\S+)/.exec(listed.stdout)![1]!;
    const next = await segue('list', '--workflow', 'cli-gate', '--limit', '1', '--cursor', cursor, '--status', 'completed');
    expect(next.stdout).toMatch(/^cli-1 +cli-gate +1 +COMPLETED /m);
  });

  it('prints the history and operates the lifecycle', async () => {
    const [history] = await Promise.all([segue('history', 'cli-1'), segue('start', 'cli-gate', '--input', '{"n":3}', '--id', 'cli-3')]);
    expect(history.stdout.split('\n')[0]).toMatch(/^SEQ +AT +TYPE +STEP +DETAILS$/);
    expect(history.stdout).toMatch(/^1 +\S+ +InstanceStarted /m);
    expect(history.stdout).toMatch(/EventReceived +open/);

    expect((await segue('suspend', 'cli-2')).stdout).toMatch(/^status +SUSPENDED$/m);
    expect((await segue('resume', 'cli-2')).stdout).toMatch(/^status +RUNNING$/m);
    const cancelled = await segue('cancel', 'cli-2', '--reason', 'not needed');
    expect(cancelled.stdout).toMatch(/^status +CANCELLED$/m);
    expect(cancelled.stdout).toMatch(/^error +Cancelled: not needed$/m);
    expect((await segue('terminate', 'cli-3', '--json')).stdout).toMatch(/"status": "TERMINATED"/);
  });

  it("prints the server's detail and exits 1 when it refuses", async () => {
    const [missing, invalid, retry] = await Promise.all([segue('get', 'nobody'), segue('start', 'cli-gate', '--input', '{}'), segue('retry', 'cli-1')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('segue get: instance "nobody" does not exist\n');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^segue start: the input does not match the input schema of "cli-gate"/);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(/^segue retry: instance "cli-1" cannot retry/);
  });

  it('explains bad arguments and an unreachable server', async () => {
    const closed = await closedPort();
    const [badJson, down] = await Promise.all([
      segue('start', 'cli-gate', '--input', '{"n":}'),
      runCli(['get', 'x', '--server', `http://127.0.0.1:${closed}`]),
    ]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/--input is not valid JSON: line 1, column 6/);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`segue get: cannot reach the server at http://127.0.0.1:${closed}: ECONNREFUSED (set --server or SEGUE_URL)\n`);
  });
});
