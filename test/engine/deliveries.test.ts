import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { Engine } from '../../engine/engine.js';
import { systemClock } from '../../engine/clock.js';
import { openStore } from '../../engine/store/open-store.js';
import { createMongoStore } from '../../engine/store/mongodb/mongodb-store.js';
import type { Store } from '../../engine/store/port.js';
import { API_SCHEMAS } from '../../api/schemas.js';
import { INSTANCE_EVENT_TYPES, STEP_EVENT_TYPES } from '../../engine/store/port.js';
import { startSubscriber as subscriber, type Subscriber } from '../helpers/subscriber.js';
import { eventually } from '../helpers/server.js';

const quick = `
name: quick
steps:
  - name: charge
    type: task
    task: charge
`;

let t: TestEngine | undefined;
let hooks: Subscriber | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await t?.engine.stop();
  await hooks?.close();
  for (const c of cleanups.splice(0)) await c();
  t = hooks = undefined;
});

async function setUp(options: { maxAttempts?: number; types?: string[]; workflow?: string } = {}) {
  hooks = await subscriber();
  t = await testEngine({ charge: (input) => ({ charged: input }) }, { engine: { http: { allowHosts: ['127.0.0.1'] } } });
  await t.register(quick, quick.replace('name: quick', 'name: other'));
  const created = await t.engine.subscriptions.create({ url: hooks.url, ...options });
  return created;
}

const types = () => hooks!.received.map((r) => `${r.event.subject} ${r.event.type}`);

describe('deliveries to subscribers', () => {
  it('send each event as a structured CloudEvent, signed per Standard Webhooks with the secret of the subscription', async () => {
    const sub = await setUp();
    expect(sub.secret).toMatch(/^whsec_/);
    await t!.run('quick', { n: 1 }, 'q-1');
    expect(await t!.engine.deliveries.tick()).toBe(2);
    expect(types()).toEqual(['q-1 segue.instance.started', 'q-1 segue.instance.completed']);
    const { headers, body, event } = hooks!.received[1]!;
    expect(headers['content-type']).toContain('application/cloudevents+json');
    expect(event).toMatchObject({ specversion: '1.0', id: 'q-1:1:' + event.id.split(':')[2], source: '/segue/workflows/quick', datacontenttype: 'application/json' });
    expect(event.data).toMatchObject({ status: 'COMPLETED', output: { charge: { charged: { n: 1 } } } });
    expect(headers['webhook-id']).toBe(event.id);
    const at = new Date(Number(headers['webhook-timestamp']) * 1000);
    expect(at.getTime()).toBe(Math.floor(t!.clock.now() / 1000) * 1000);
    expect(headers['webhook-signature']).toBe(new Webhook(sub.secret!).sign(event.id, at, body));
    // Nothing is sent twice once delivered.
    expect(await t!.engine.deliveries.tick()).toBe(0);
    expect((await t!.engine.subscriptions.get(sub.id)).delivered).toBe(2);
    expect(await t!.engine.subscriptions.get(sub.id)).not.toHaveProperty('secret');
  });

  it('deliver only the types and the workflow asked for', async () => {
    await setUp({ types: ['segue.instance.completed'], workflow: 'other' });
    await t!.run('quick', {}, 'q-1');
    await t!.run('other', {}, 'o-1');
    await t!.engine.deliveries.tick();
    expect(types()).toEqual(['o-1 segue.instance.completed']);
  });

  it('retry a subscriber that is down with backoff on the clock, holding back what follows, then send everything in order', async () => {
    const sub = await setUp();
    hooks!.answer = 503;
    await t!.run('quick', {}, 'q-1');
    await t!.run('quick', {}, 'q-2');
    await t!.engine.deliveries.tick();
    expect(hooks!.received).toHaveLength(1);
    const failing = await t!.engine.subscriptions.get(sub.id);
    expect(failing.failure).toMatchObject({ attempts: 1, nextAttemptAt: new Date(t!.clock.now() + 1_000).toISOString() });
    expect(failing.failure!.lastError).toContain('503');
    await t!.engine.deliveries.tick();
    expect(hooks!.received).toHaveLength(1); // not due yet
    t!.clock.advance(1_000);
    await t!.engine.deliveries.tick();
    expect((await t!.engine.subscriptions.get(sub.id)).failure).toMatchObject({ attempts: 2, nextAttemptAt: new Date(t!.clock.now() + 2_000).toISOString() });
    hooks!.answer = 200;
    t!.clock.advance(2_000);
    await t!.engine.deliveries.tick();
    const delivered = hooks!.received.slice(2).map((r) => `${r.event.subject} ${r.event.type}`);
    expect(delivered).toEqual(['q-1 segue.instance.started', 'q-1 segue.instance.completed', 'q-2 segue.instance.started', 'q-2 segue.instance.completed']);
    expect((await t!.engine.subscriptions.get(sub.id)).failure).toBeNull();
  });

  it('keep an event as a dead letter after the last attempt, move on, and deliver it again when asked', async () => {
    const sub = await setUp({ maxAttempts: 2, types: ['segue.instance.completed'] });
    await t!.run('quick', {}, 'q-1');
    hooks!.answer = 500;
    await t!.engine.deliveries.tick();
    t!.clock.advance(1_000);
    await t!.engine.deliveries.tick();
    const [letter] = await t!.engine.subscriptions.deadLetters(sub.id, 10);
    expect(letter).toMatchObject({ subscriptionId: sub.id, attempts: 2, event: { type: 'segue.instance.completed', subject: 'q-1' } });
    hooks!.answer = 200;
    await t!.run('quick', {}, 'q-2');
    await t!.engine.deliveries.tick();
    expect(hooks!.received.slice(2).map((r) => r.event.subject)).toEqual(['q-2']);
    expect(await t!.engine.subscriptions.redeliver(sub.id, letter!.eventId)).toEqual({ delivered: true });
    expect(hooks!.received.at(-1)!.event.id).toBe(letter!.eventId);
    expect(await t!.engine.subscriptions.deadLetters(sub.id, 10)).toEqual([]);
  });

  it('hold back a paused subscription, and send what it missed once resumed', async () => {
    const sub = await setUp();
    await t!.engine.subscriptions.pause(sub.id);
    await t!.run('quick', {}, 'q-1');
    expect(await t!.engine.deliveries.tick()).toBe(0);
    await t!.engine.subscriptions.resume(sub.id);
    expect(await t!.engine.deliveries.tick()).toBe(2);
  });

  it('deliver to each subscriber apart: one that does not answer holds back only its own events', async () => {
    hooks = await subscriber();
    const hung = await subscriber();
    cleanups.push(() => hung.close());
    hung.answer = 'hang';
    t = await testEngine({ charge: (input) => ({ charged: input }) }, { engine: { http: { allowHosts: ['127.0.0.1'] } } });
    await t.register(quick);
    // Listed by id: the one that hangs comes first.
    await t.engine.subscriptions.create({ id: 'a-hung', url: hung.url });
    await t.engine.subscriptions.create({ id: 'b-answers', url: hooks.url });
    await t.run('quick', {}, 'q-1');
    const pass = t.engine.deliveries.tick();
    await eventually(() => (hooks!.received.length === 2 ? true : undefined), { timeoutMs: 5_000, what: 'the answering subscriber to have both events' });
    expect(types()).toEqual(['q-1 segue.instance.started', 'q-1 segue.instance.completed']);
    expect(hung.received.map((r) => r.event.type)).toEqual(['segue.instance.started']);
    // Hung up on, the held delivery fails and waits for its retry; the pass then ends.
    await hung.close();
    expect(await pass).toBe(2);
    expect((await t.engine.subscriptions.get('a-hung')).failure?.attempts).toBe(1);
  });

  it('write step events only while a subscription asks for them', async () => {
    await setUp({ types: ['segue.step.completed'] });
    await t!.engine.deliveries.tick();
    await t!.run('quick', {}, 'q-1');
    await t!.engine.deliveries.tick();
    expect(types()).toEqual(['q-1 segue.step.completed']);
    await t!.engine.subscriptions.delete((await t!.engine.subscriptions.list())[0]!.id);
    await t!.engine.deliveries.tick();
    expect(t!.engine.runtime.stepEvents).toBe(false);
  });

  it('take the event types the API document lists, no more, no fewer', () => {
    expect(API_SCHEMAS['subscription-request'].properties.types.items.enum).toEqual([...INSTANCE_EVENT_TYPES, ...STEP_EVENT_TYPES]);
  });

  it('refuse a subscriber URL the HTTP policy refuses, and bad settings, naming what is wrong', async () => {
    t = await testEngine({});
    const subs = t.engine.subscriptions;
    await expect(subs.create({ url: 'http://127.0.0.1:9/hooks' })).rejects.toThrow(/127\.0\.0\.1.*private, loopback or link-local/);
    await expect(subs.create({ url: 'ftp://hooks.example.com/' })).rejects.toThrow('url: only http and https URLs can be called, not ftp:');
    await expect(subs.create({ url: 'hooks' })).rejects.toThrow('url "hooks" is not an absolute URL');
    await expect(subs.create({ url: 'https://hooks.example.com/', types: ['segue.instance.done'] })).rejects.toThrow('types: "segue.instance.done" is not an event type');
    await expect(subs.create({ url: 'https://hooks.example.com/', secret: 'short' })).rejects.toThrow(/secret must be "whsec_"/);
    await expect(subs.create({ url: 'https://hooks.example.com/', maxAttempts: 0 })).rejects.toThrow('maxAttempts must be a whole number from 1 to 100, got 0');
    expect(await subs.list()).toEqual([]);
  });

  it('two engines on one SQLite file send each event once while the subscriber takes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segue-deliveries-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'segue.db');
    await twoEnginesDeliverOnce(() => openStore(`sqlite:${path}`));
  });
});

const mongoUri = process.env.MONGODB_URI;
describe.skipIf(!mongoUri)('deliveries on MongoDB (needs MONGODB_URI, or Go to build FerretDB)', () => {
  it('two engines on one database send each event once, in order', async () => {
    const database = `segue_deliveries_${randomUUID().slice(0, 8)}`;
    cleanups.push(async () => {
      const admin = await new MongoClient(mongoUri!).connect();
      await admin.db(database).dropDatabase();
      await admin.close();
    });
    await twoEnginesDeliverOnce(async () => {
      const store = createMongoStore(mongoUri!, { database });
      await store.init();
      return store;
    });
  });
});

async function twoEnginesDeliverOnce(open: () => Promise<Store>): Promise<void> {
  hooks = await subscriber();
  const stores = [await open(), await open()];
  const options = { http: { allowHosts: ['127.0.0.1'] }, handlers: { charge: () => ({}) } };
  const [one, two] = stores.map((store) => new Engine(store, systemClock, options, true));
  cleanups.push(async () => {
    await one!.stop();
    await two!.stop();
  });
  await one!.register(quick);
  await one!.subscriptions.create({ url: hooks.url, types: ['segue.instance.completed'] });
  for (let i = 0; i < 10; i += 1) {
    await one!.startInstance('quick', { id: `q-${i}` });
    await one!.runUntilIdle();
  }
  await Promise.all([one!.deliveries.tick(), two!.deliveries.tick(), one!.deliveries.tick(), two!.deliveries.tick()]);
  await Promise.all([one!.deliveries.tick(), two!.deliveries.tick()]);
  expect(hooks.received.map((r) => r.event.subject)).toEqual(Array.from({ length: 10 }, (_, i) => `q-${i}`));
}
