/**
 * A real `segue serve` with SEGUE_DATA_KEY set: the API answers with the data as usual, the SQLite
 * file holds none of it in the clear, a server given the key under a new id in SEGUE_OLD_DATA_KEYS
 * still reads it, and one without the key answers with the key's id rather than garbage.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finishedOn, runCli, startServer, tempDir } from '../helpers/server.js';

const MARKER = 'MARKER-api-9d2e';
const KEY_1 = `k1:${randomBytes(32).toString('base64')}`;
const KEY_2 = `k2:${randomBytes(32).toString('base64')}`;
const WORKFLOW = `name: sealed-api
steps:
  - { name: charge, type: task, task: charge, input: { card: "\${ card }" } }
  - { name: done, type: succeed, output: { receipt: "\${ charge.receipt }" } }
`;

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const db = join(tmp.dir, 'segue.db');
const fileBytes = (): string => [db, `${db}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');

describe('segue serve with SEGUE_DATA_KEY', () => {
  let id = '';

  it('runs a workflow over HTTP and writes none of its data in the clear', async () => {
    const server = await startServer(db, { env: { SEGUE_DATA_KEY: KEY_1 } });
    try {
      const { client } = server;
      await client.registerWorkflow(WORKFLOW);
      id = (await client.startInstance('sealed-api', { input: { card: MARKER } })).id;
      const [task] = await client.poll({ types: ['charge'], worker: 'w', wait: '5s' });
      expect(task?.input).toEqual({ card: MARKER });
      await client.complete(task!.token, { receipt: `${MARKER}-receipt` });
      expect((await finishedOn(client, id)).output).toEqual({ receipt: `${MARKER}-receipt` });
      expect(JSON.stringify(await client.history(id))).toContain(MARKER);
    } finally {
      await server.stop();
    }
    expect(fileBytes()).toContain('sealed-api');
    expect(fileBytes()).not.toContain(MARKER);
  });

  it('reads the records after a rotation, with the old key in SEGUE_OLD_DATA_KEYS', async () => {
    const server = await startServer(db, { env: { SEGUE_DATA_KEY: KEY_2, SEGUE_OLD_DATA_KEYS: KEY_1 } });
    try {
      expect((await server.client.getInstance(id)).output).toEqual({ receipt: `${MARKER}-receipt` });
    } finally {
      await server.stop();
    }
  });

  it('answers 500 naming the key id, never garbage, when the server lacks the key', async () => {
    const server = await startServer(db, { env: { SEGUE_DATA_KEY: KEY_2 } });
    try {
      const answer = await fetch(`${server.url}/v1/instances/${id}`);
      expect(answer.status).toBe(500);
      const problem = (await answer.json()) as { title: string; detail: string };
      expect(problem.title).toBe('Data key missing or wrong');
      expect(problem.detail).toContain('is encrypted with data key "k1", which this engine does not have');
      expect(JSON.stringify(problem)).not.toContain(KEY_1.slice(3));
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on a malformed key, saying what is wrong', async () => {
    const result = await runCli(['serve', '--port', '0', '--store', `sqlite:${db}`], { SEGUE_DATA_KEY: 'k1:short' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('SEGUE_DATA_KEY: key "k1" must be 32 bytes in base64');
  });
});
