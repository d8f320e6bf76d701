/**
 * Encryption at rest, end to end on the engine: with a data key the stores hold no byte of the
 * workflow's data in the clear (the raw SQLite file, every MongoDB collection), the engine reads
 * it all back, and a rotated key keeps old records readable.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/clock.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import type { DataKey, DataKeys } from '../../engine/store/stored-json.js';

const MARKER = 'MARKER-4c1d-at-rest';
const dir = mkdtempSync(join(tmpdir(), 'segue-sealed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKFLOWS = [
  `name: sealed
steps:
  - name: charge
    type: task
    task: charge
    input: { card: "\${ card }" }
  - name: confirmed
    type: wait
    event: confirmed
    correlate: order
  - { name: nap, type: delay, duration: 1h }
  - { name: done, type: succeed, output: { paid: "\${ charge.receipt }", by: "\${ confirmed.who }" } }
`,
  `name: held
steps:
  - { name: hold, type: task, task: nobody.serves, input: { card: "\${ card }" } }
`,
];

const key = (id: string): DataKey => ({ id, key: randomBytes(32) });

/** Runs the workflows to where each store collection holds the marker: state, history, a queued task, a timer. */
async function drive(store: string, dataKeys: DataKeys | undefined): Promise<{ engine: Engine; id: string }> {
  const clock = new ManualClock();
  const engine = await createEngine({
    store,
    clock,
    ...(dataKeys ? { dataKeys } : {}),
    handlers: { charge: (input) => ({ receipt: `${(input as { card: string }).card}-receipt` }) },
  });
  for (const text of WORKFLOWS) await engine.register(text);
  const { id } = await engine.startInstance('sealed', { input: { card: MARKER, order: 'o-1' } });
  await engine.runUntilIdle();
  expect(await engine.deliverEvent('confirmed', 'o-1', { who: MARKER })).toMatchObject({ delivered: 1 });
  await engine.startInstance('held', { input: { card: MARKER } });
  // A start due later is a timer whose input holds the start input.
  await engine.startInstance('held', { input: { card: MARKER }, startAt: clock.now() + 60_000 });
  await engine.runUntilIdle();
  return { engine, id };
}

async function finish(engine: Engine, id: string): Promise<void> {
  (engine.clock as ManualClock).advance(3_600_000);
  await engine.runUntilIdle();
  const view = await engine.getInstance(id);
  expect(view).toMatchObject({ status: 'COMPLETED', output: { paid: `${MARKER}-receipt`, by: MARKER } });
  expect(JSON.stringify(await engine.history(id))).toContain(MARKER);
}

function sqliteBytes(path: string): string {
  return [path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1')).join('');
}

describe('on SQLite', () => {
  it('keeps no byte of the data in the clear in the file, where a store without a key does', async () => {
    const clear = join(dir, 'clear.db');
    const plain = await drive(`sqlite:${clear}`, undefined);
    expect(sqliteBytes(clear)).toContain(MARKER);
    await plain.engine.stop();

    const path = join(dir, 'sealed.db');
    const keys = { current: key('k1'), old: [] };
    const sealed = await drive(`sqlite:${path}`, keys);
    expect(sqliteBytes(path)).not.toContain(MARKER);
    // Ids, statuses, queue names and correlation keys stay clear, for the indexes.
    expect(sqliteBytes(path)).toContain('nobody.serves');
    await finish(sealed.engine, sealed.id);
    expect(sqliteBytes(path)).not.toContain(MARKER);
    await sealed.engine.stop();
  });

  it('reads records of the old key after a rotation, and refuses to run without the key, naming it', async () => {
    const path = join(dir, 'rotated.db');
    const k1 = key('k1');
    const before = await drive(`sqlite:${path}`, { current: k1, old: [] });
    await before.engine.stop();

    const missing = await createEngine({ store: `sqlite:${path}`, dataKeys: { current: key('k2'), old: [] } });
    await expect(missing.getInstance(before.id)).rejects.toMatchObject({ code: 'STORE_KEY', message: expect.stringContaining('data key "k1"') });
    await missing.stop();

    const rotated = await createEngine({ store: `sqlite:${path}`, dataKeys: { current: key('k2'), old: [k1] }, clock: before.engine.clock });
    await finish(rotated, before.id);
    await rotated.stop();
  });
});

const uri = process.env.MONGODB_URI;

describe.skipIf(!uri)('on MongoDB (needs MONGODB_URI, or Go to build FerretDB)', () => {
  const databases: string[] = [];
  const storeUrl = (database: string): string => {
    databases.push(database);
    const url = new URL(uri!);
    url.pathname = `/${database}`;
    return url.toString();
  };
  /** Every document of every collection, as the bytes MongoDB keeps. */
  async function collectionBytes(database: string): Promise<string> {
    const client = await new MongoClient(uri!).connect();
    try {
      const db = client.db(database);
      let all = '';
      for (const { name } of await db.listCollections().toArray()) {
        for (const doc of await db.collection(name).find({}).toArray()) all += Buffer.from(BSON.serialize(doc)).toString('latin1');
      }
      return all;
    } finally {
      await client.close();
    }
  }
  afterAll(async () => {
    const client = await new MongoClient(uri!).connect();
    await Promise.all(databases.map((name) => client.db(name).dropDatabase()));
    await client.close();
  });

  it('keeps no byte of the data in the clear in any collection, where a store without a key does', async () => {
    const clearDb = `segue_clear_${randomUUID().slice(0, 8)}`;
    const plain = await drive(storeUrl(clearDb), undefined);
    expect(await collectionBytes(clearDb)).toContain(MARKER);
    await plain.engine.stop();

    const sealedDb = `segue_sealed_${randomUUID().slice(0, 8)}`;
    const k1 = key('k1');
    const sealed = await drive(storeUrl(sealedDb), { current: k1, old: [] });
    const bytes = await collectionBytes(sealedDb);
    expect(bytes).not.toContain(MARKER);
    expect(bytes).toContain('nobody.serves');
    await sealed.engine.stop();

    const rotated = await createEngine({ store: storeUrl(sealedDb), dataKeys: { current: key('k2'), old: [k1] }, clock: sealed.engine.clock });
    await finish(rotated, sealed.id);
    expect(await collectionBytes(sealedDb)).not.toContain(MARKER);
    await rotated.stop();
  });
});
