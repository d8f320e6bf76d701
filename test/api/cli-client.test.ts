import { mkdirSync, writeFileSync } from 'node:fs';
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

  it('filters the list by several statuses, comma-separated or repeated, and names a status that is not one', async () => {
    const ids = async (...args: string[]) => {
      const listed = await segue('list', '--workflow', 'cli-gate', '--json', ...args);
      expect(listed.stderr).toBe('');
      return (JSON.parse(listed.stdout) as { items: { id: string }[] }).items.map((i) => i.id).sort();
    };
    expect(await ids('--status', 'completed')).toEqual(['cli-1']);
    expect(await ids('--status', 'running, completed')).toEqual(['cli-1', 'cli-2']);
    expect(await ids('--status', 'RUNNING', '--status', 'completed')).toEqual(['cli-1', 'cli-2']);
    const wrong = await segue('list', '--status', 'runing');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^segue list: "runing" is not a status \(did you mean "RUNNING"\?\); use PENDING, RUNNING, SUSPENDED, COMPLETED, FAILED, CANCELLED, TERMINATED or TIMED_OUT\n/);
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

  it('registers a definition file, then a folder, saying what is new and what was there already', async () => {
    const folder = join(server().dir, 'flows');
    mkdirSync(folder);
    const one = join(folder, 'cli-one.yaml');
    writeFileSync(one, 'name: cli-one\nsteps:\n  - { name: done, type: succeed, output: { one: 1 } }\n');
    writeFileSync(join(folder, 'cli-two.json'), JSON.stringify({ name: 'cli-two', steps: [{ name: 'done', type: 'succeed' }] }));
    writeFileSync(join(folder, 'notes.txt'), 'not a definition');

    const first = await segue('register', one);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(`registered cli-one version 1 (${one})\n`);
    const all = await segue('register', folder);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(`unchanged cli-one version 1 (${one})\nregistered cli-two version 1 (${join(folder, 'cli-two.json')})\n`);
    expect((await segue('start', 'cli-one', '--wait', '5s', '--json')).stdout).toMatch(/"output": \{\s+"one": 1/);
    // An Amazon States Language document is named by its file.
    const asl = join(server().dir, 'cli-asl.asl.json');
    writeFileSync(asl, JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', Result: { asl: true }, End: true } } }));
    expect((await segue('register', asl)).stdout).toBe(`registered cli-asl version 1 (${asl})\n`);
    expect((await segue('start', 'cli-asl', '--wait', '5s', '--json')).stdout).toMatch(/"output": \{\s+"asl": true/);
  });

  it('registers the valid files and reports each problem of the others at its line, exiting 1', async () => {
    const bad = join(server().dir, 'cli-bad.yaml');
    const good = join(server().dir, 'cli-good.yaml');
    writeFileSync(bad, 'name: cli-bad\nsteps:\n  - name: first\n    type: task\n    task: x\n    next: nowhere\n  - name: done\n    type: succeed\n');
    writeFileSync(good, 'name: cli-good\nsteps:\n  - { name: done, type: succeed }\n');
    const res = await segue('register', bad, good, join(server().dir, 'missing.yaml'));
    expect(res.code).toBe(1);
    expect(res.stdout).toBe(`registered cli-good version 1 (${good})\n`);
    expect(res.stderr).toContain(`${bad}:6:11: step "first": next points to "nowhere", which is not a step\n`);
    expect(res.stderr).toContain(`${join(server().dir, 'missing.yaml')}: cannot read the file: no such file`);
    expect((await segue('register')).code).toBe(2);
  });

  it('purges a finished instance, and refuses one still running', async () => {
    await segue('start', 'cli-gate', '--input', '{"n":5}', '--id', 'cli-purge');
    const running = await segue('purge', 'cli-purge');
    expect(running.code).toBe(1);
    expect(running.stderr).toMatch(/^segue purge: .*cli-purge/);
    await segue('terminate', 'cli-purge');
    const purged = await segue('purge', 'cli-purge');
    expect(purged.stderr).toBe('');
    expect(purged.stdout).toBe('instance cli-purge purged\n');
    expect((await segue('get', 'cli-purge')).stderr).toBe('segue get: instance "cli-purge" does not exist\n');
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
