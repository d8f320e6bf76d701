/**
 * Schedules over HTTP against real `segue serve` processes: every endpoint and its refusals, the
 * schedules a workflow file declares, the `segue schedule` command, and two servers on one SQLite
 * file firing one schedule every second without ever starting a fire twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyValidator, type SchemaName } from '../../api/schemas.js';
import type { ScheduleView } from '../../client/http-client.js';
import { openStore } from '../../engine/store/open-store.js';
import { instanceView } from '../../engine/views.js';
import { eventually, http, runCli, serverForFile, startServer, type RawResponse } from '../helpers/server.js';

/** Completes at once, so `allow` fires never pile up. */
const TICK = `name: tick
steps:
  - name: done
    type: succeed
    output: { fireTime: "\${ $instance.schedule.fireTime }" }
`;

const DECLARED = `name: declared
schedules:
  - id: nightly
    cron: "0 3 * * *"
    timezone: Europe/Paris
    overlap: buffer
    input: { report: full }
  - cron: "30 4 * * MON"
    paused: true
steps:
  - name: done
    type: succeed
`;

const FAR = '0 0 1 1 *';

const server = serverForFile([TICK]);

const send = (method: string, path: string, body?: unknown) => http(server().url, method, path, body === undefined ? undefined : JSON.stringify(body));
const create = (body: Record<string, unknown>) => send('POST', '/v1/schedules', { workflow: 'tick', cron: FAR, ...body });

function expectProblem(res: RawResponse, status: number, type: string, detail: string | RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.json.type).toBe(`https://segue.dev/problems/${type}`);
  if (typeof detail === 'string') expect(res.json.detail).toBe(detail);
  else expect(res.json.detail).toMatch(detail);
}

function expectShape(schema: SchemaName, body: unknown): void {
  const validate = bodyValidator(schema);
  expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
}

/** The wall-clock time of an ISO instant in a zone, like 09:00. */
function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

describe('creating and reading schedules', () => {
  it('creates with 201 and a Location, and reads back the settings with the next fires in the time zone', async () => {
    const res = await create({ id: 'daily', cron: '0 9 * * *', timezone: 'Europe/Paris', input: { a: 1 }, overlap: 'buffer', catchupWindow: '5m', note: 'morning run' });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('location')).toBe('/v1/schedules/daily');
    expect(res.json).toMatchObject({
      id: 'daily',
      workflow: 'tick',
      version: null,
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      input: { a: 1 },
      overlap: 'buffer',
      catchupWindow: '5m',
      paused: false,
      note: 'morning run',
      origin: 'api',
      recent: [],
      buffered: null,
    });
    expectShape('schedule', res.json);
    const fires: string[] = res.json.nextFires;
    expect(fires).toHaveLength(5);
    expect(Date.parse(fires[0]!)).toBeGreaterThan(Date.now());
    for (const fire of fires) expect(localTime(fire, 'Europe/Paris')).toBe('09:00');

    const got = await send('GET', '/v1/schedules/daily');
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);
    const listed = await send('GET', '/v1/schedules');
    expectShape('schedule-list', listed.json);
    expect(listed.json.items.map((s: ScheduleView) => s.id)).toContain('daily');
  });

  it('picks an id and the defaults when they are left out', async () => {
    const res = await create({});
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('location')).toBe(`/v1/schedules/${res.json.id}`);
    expect(res.json).toMatchObject({ timezone: 'UTC', input: {}, overlap: 'skip', catchupWindow: '1m', paused: false, note: null, version: null });
  });

  it('refuses an id that exists (409) and a workflow or version that is not registered (404)', async () => {
    expect((await create({ id: 'taken' })).status).toBe(201);
    expectProblem(await create({ id: 'taken' }), 409, 'conflict', 'a schedule with id "taken" already exists');
    expectProblem(await create({ workflow: 'nope' }), 404, 'not-found', 'workflow "nope" is not registered');
    expectProblem(await create({ version: 7 }), 404, 'not-found', 'workflow "tick" version 7 is not registered');
  });

  it.each([
    ['a body that is not JSON', '{"workflow": "tick", }', 'malformed-body', /^the body is not valid JSON: line 1, column 22/],
    ['no body', undefined, 'malformed-body', 'this endpoint needs a JSON object as the body'],
    ['a cron of the wrong type', { workflow: 'tick', cron: 5 }, 'request-invalid', '"cron" must be string'],
    ['no cron', { workflow: 'tick' }, 'request-invalid', 'the body needs the field "cron"'],
    ['paused as text', { workflow: 'tick', cron: FAR, paused: 'yes' }, 'request-invalid', '"paused" must be boolean'],
    ['an unknown field', { workflow: 'tick', cron: FAR, every: '1h' }, 'request-invalid', /^the body has an unknown field "every" \(accepted: id, workflow, version, cron/],
    ['an unknown overlap', { workflow: 'tick', cron: FAR, overlap: 'queue' }, 'request-invalid', '"overlap" must be one of "skip", "buffer", "allow", "cancel", "terminate"'],
    ['a bad cron expression', { workflow: 'tick', cron: 'every morning' }, 'bad-request', /^"every morning" is not a cron expression \(.+\); write it like "0 9 \* \* MON-FRI"$/],
    ['a bad time zone', { workflow: 'tick', cron: FAR, timezone: 'Mars/Olympus' }, 'bad-request', '"Mars/Olympus" is not a time zone; write it like Europe/Paris or UTC'],
    ['a bad catch-up window', { workflow: 'tick', cron: FAR, catchupWindow: 'a while' }, 'bad-request', 'catchupWindow "a while" is not a duration; write it like 5m or 1h'],
  ])('refuses %s with a 400 that names the problem', async (_, body, type, detail) => {
    const res = await http(server().url, 'POST', '/v1/schedules', typeof body === 'string' || body === undefined ? body : JSON.stringify(body));
    expectProblem(res, 400, type, detail);
  });

  it('answers 404 for a schedule that does not exist, on every route of one', async () => {
    const missing = 'schedule "ghost" does not exist';
    expectProblem(await send('GET', '/v1/schedules/ghost'), 404, 'not-found', missing);
    expectProblem(await send('PUT', '/v1/schedules/ghost', { workflow: 'tick', cron: FAR }), 404, 'not-found', missing);
    expectProblem(await send('DELETE', '/v1/schedules/ghost'), 404, 'not-found', missing);
    for (const action of ['pause', 'resume', 'trigger']) expectProblem(await send('POST', `/v1/schedules/ghost/${action}`), 404, 'not-found', missing);
  });

  it('answers 405 with Allow for a wrong method, and documents the routes in OpenAPI', async () => {
    const patch = await send('PATCH', '/v1/schedules/daily');
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE, HEAD, OPTIONS');
    expect((await send('PUT', '/v1/schedules')).headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');

    const doc = (await send('GET', '/openapi.json')).json;
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain('schedules');
    const one = doc.paths['/v1/schedules/{id}'];
    expect(Object.keys(one).sort()).toEqual(['delete', 'get', 'put']);
    expect(one.put).toMatchObject({ operationId: 'replaceSchedule', tags: ['schedules'] });
    expect(one.put.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ScheduleRequest' });
    expect(one.put.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Schedule' });
    expect(doc.paths['/v1/schedules/{id}/trigger'].post.operationId).toBe('triggerSchedule');
    expect(doc.components.schemas.Schedule.properties.recent.items).toEqual({ $ref: '#/components/schemas/ScheduleFire' });
  });
});

describe('changing schedules', () => {
  it('triggers a fire now: its instance has the id <schedule>@<fire time> and runs to the end', async () => {
    await create({ id: 'manual', input: { by: 'hand' } });
    const res = await send('POST', '/v1/schedules/manual/trigger');
    expect(res.status).toBe(200);
    expectShape('schedule', res.json);
    const [fire] = res.json.recent;
    expect(fire).toEqual({ fireTime: expect.any(String), outcome: 'started', instanceId: `manual@${fire.fireTime}~manual` });
    const done = await http(server().url, 'GET', `/v1/instances/${encodeURIComponent(fire.instanceId)}?wait=5s`);
    expect(done.json).toMatchObject({ status: 'COMPLETED', workflow: 'tick', input: { by: 'hand' }, schedule: { id: 'manual', fireTime: fire.fireTime }, output: { fireTime: fire.fireTime } });
  });

  it('replaces the settings with PUT, keeping the fire history and the creation time', async () => {
    const created = (await create({ id: 'swap', timezone: 'Asia/Tokyo', note: 'old' })).json;
    const triggered = (await send('POST', '/v1/schedules/swap/trigger')).json;
    const res = await send('PUT', '/v1/schedules/swap', { id: 'swap', workflow: 'tick', cron: '*/5 * * * *', overlap: 'allow' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ id: 'swap', cron: '*/5 * * * *', overlap: 'allow', timezone: 'UTC', note: null, createdAt: created.createdAt, recent: triggered.recent });
    expect(new Date(res.json.nextFires[0]).getUTCMinutes() % 5).toBe(0);
    expect((await send('GET', '/v1/schedules/swap')).json.cron).toBe('*/5 * * * *');

    const renamed = await send('PUT', '/v1/schedules/swap', { id: 'other', workflow: 'tick', cron: FAR });
    expectProblem(renamed, 400, 'request-invalid', `the body's id "other" is not the id of the path "swap"; a schedule's id cannot change (leave it out, or create a new schedule)`);
    expectProblem(await send('PUT', '/v1/schedules/swap', { workflow: 'tick', cron: '61 * * * *' }), 400, 'bad-request', /^"61 \* \* \* \*" is not a cron expression/);
    expectProblem(await send('PUT', '/v1/schedules/swap', { workflow: 'tick', cron: FAR, overlap: 'never' }), 400, 'request-invalid', /^"overlap" must be one of/);
    expectProblem(await send('PUT', '/v1/schedules/swap', { workflow: 'gone', cron: FAR }), 404, 'not-found', 'workflow "gone" is not registered');
    expect((await send('GET', '/v1/schedules/swap')).json.cron).toBe('*/5 * * * *');
  });

  it('pauses (no next fires) and resumes (next fires from now)', async () => {
    await create({ id: 'sleepy', cron: '0 * * * *' });
    const paused = await send('POST', '/v1/schedules/sleepy/pause');
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ paused: true, nextFires: [] });
    const resumed = await send('POST', '/v1/schedules/sleepy/resume');
    expect(resumed.json.paused).toBe(false);
    expect(resumed.json.nextFires).toHaveLength(5);
    expect(Date.parse(resumed.json.nextFires[0])).toBeGreaterThan(Date.now());
  });

  it('deletes with 204, after which the schedule is gone', async () => {
    await create({ id: 'doomed' });
    const res = await send('DELETE', '/v1/schedules/doomed');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await send('GET', '/v1/schedules/doomed')).status).toBe(404);
    expect((await send('GET', '/v1/schedules')).json.items.map((s: ScheduleView) => s.id)).not.toContain('doomed');
  });
});

describe('schedules declared in a workflow file', () => {
  it('are created when the workflow is registered, with the ids and settings the file gives', async () => {
    const res = await http(server().url, 'POST', '/v1/workflows', DECLARED, { 'content-type': 'application/yaml' });
    expect(res.status, res.text).toBe(201);
    const nightly = (await send('GET', '/v1/schedules/declared.nightly')).json;
    expect(nightly).toMatchObject({ workflow: 'declared', cron: '0 3 * * *', timezone: 'Europe/Paris', overlap: 'buffer', input: { report: 'full' }, origin: 'definition', paused: false });
    expect(localTime(nightly.nextFires[0], 'Europe/Paris')).toBe('03:00');
    const second = (await send('GET', '/v1/schedules/declared.2')).json;
    expect(second).toMatchObject({ workflow: 'declared', cron: '30 4 * * MON', paused: true, nextFires: [], origin: 'definition' });
  });
});

describe('the schedule command', () => {
  const segue = (...args: string[]) => runCli(['schedule', ...args, '--server', server().url]);

  it('creates, lists, shows, resumes, triggers and deletes a schedule', async () => {
    const inputFile = join(server().dir, 'schedule-input.json');
    writeFileSync(inputFile, '{"region": "eu"}');
    const created = await segue('create', 'tick', '--cron', '0 9 * * *', '--timezone', 'Europe/Paris', '--input', `@${inputFile}`, '--overlap', 'skip', '--catchup', '5m', '--id', 'cli-daily', '--note', 'hello', '--paused');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^id +cli-daily$/m);
    expect(created.stdout).toMatch(/^cron +0 9 \* \* \* \(Europe\/Paris\)$/m);
    expect(created.stdout).toMatch(/^paused +yes$/m);
    expect(created.stdout).toMatch(/^catch-up +5m$/m);
    expect(created.stdout).toMatch(/^input +\{"region":"eu"\}$/m);
    expect(created.stdout).toMatch(/^no fires yet$/m);

    const listed = await segue('list');
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +WORKFLOW +CRON +TIMEZONE +OVERLAP +PAUSED +NEXT FIRE$/);
    const row = lines.find((l) => l.startsWith('cli-daily '))!;
    expect(row).toMatch(/^cli-daily +tick +0 9 \* \* \* +Europe\/Paris +skip +yes +-$/);
    expect(row.indexOf('Europe/Paris')).toBe(lines[0]!.indexOf('TIMEZONE'));
    const resumed = await segue('resume', 'cli-daily', '--json');
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: 'cli-daily', paused: false, input: { region: 'eu' } });

    const triggered = await segue('trigger', 'cli-daily');
    expect(triggered.stdout).toMatch(/^FIRE TIME +OUTCOME +INSTANCE OR REASON$/m);
    expect(triggered.stdout).toMatch(/^(\S+) +started +cli-daily@\1~manual$/m);

    const deleted = await segue('delete', 'cli-daily');
    expect(deleted.stdout).toBe('schedule cli-daily deleted\n');
    const gone = await segue('get', 'cli-daily');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('segue schedule: schedule "cli-daily" does not exist\n');
  });

  it("prints the server's refusal and exits 1, and a usage error exits 2", async () => {
    const [badCron, noCron, unknown] = await Promise.all([
      segue('create', 'tick', '--cron', 'soon'),
      segue('create', 'tick'),
      segue('pauze', 'x'),
    ]);
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/^segue schedule: "soon" is not a cron expression/);
    expect(noCron.code).toBe(2);
    expect(noCron.stderr).toMatch(/^segue schedule: give the cron expression with --cron/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^segue schedule: "pauze" is not a schedule subcommand \(did you mean "pause"\?\)/);
  });
});

describe('two servers on one SQLite file', () => {
  it('fire a schedule every second, each fire time started exactly once', async () => {
    const db = join(server().dir, 'shared.db');
    const [a, b] = await Promise.all([startServer(db), startServer(db)]);
    let exitCodes: (number | null)[];
    try {
      await a.client.registerWorkflow(TICK);
      await b.client.createSchedule({ id: 'every-second', workflow: 'tick', cron: '* * * * * *', overlap: 'allow' });
      await eventually(async () => {
        const view = await a.client.getSchedule('every-second');
        return view.recent.filter((f) => f.outcome === 'started').length >= 4 ? view : undefined;
      }, { timeoutMs: 12_000, what: 'four fires of every-second' });
    } finally {
      exitCodes = await Promise.all([a.stop(), b.stop()]);
    }
    expect(exitCodes).toEqual([0, 0]);

    const store = await openStore(`sqlite:${db}`);
    try {
      const instances = (await store.listInstances({ workflow: 'tick' }, 1000)).items.map(instanceView);
      const fireTimes = instances.map((i) => i.schedule?.fireTime);
      expect(instances.length).toBeGreaterThanOrEqual(4);
      for (const instance of instances) expect(instance.id).toBe(`every-second@${instance.schedule!.fireTime}`);
      expect(new Set(fireTimes).size).toBe(fireTimes.length);

      const schedule = (await store.getSchedule('every-second'))!;
      const started = schedule.recent.filter((f) => f.outcome === 'started');
      expect(new Set(started.map((f) => f.fireTime)).size).toBe(started.length);
      const ids = new Set(instances.map((i) => i.id));
      for (const fire of started) expect(ids.has(fire.instanceId!), `${fire.instanceId} exists`).toBe(true);
      expect(schedule.recent.filter((f) => f.outcome !== 'started')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
