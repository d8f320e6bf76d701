import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bodyValidator } from '../../api/schemas.js';
import { buildGraph } from '../../definitions/graph.js';
import { loadPlan } from '../../definitions/load.js';
import { http, REPO, serverForFile, startServer } from '../helpers/server.js';

const SAGA = readFileSync(join(REPO, 'examples', 'trip-booking-saga.yaml'), 'utf8');
const server = serverForFile([], { args: ['--workflows', 'examples'] });

describe('GET /v1/workflows/{name}/versions/{version}/graph', () => {
  it('answers the graph `segue graph` draws, in the shape its schema documents', async () => {
    const res = await http(server().url, 'GET', '/v1/workflows/trip-booking-saga/versions/1/graph');
    expect(res.status).toBe(200);
    expect(res.json).toEqual(buildGraph(loadPlan(SAGA, 'trip-booking-saga.yaml').plan!));
    expect(res.json.edges).toContainEqual({ from: 'flight', to: 'undo', kind: 'catch', label: '*' });
    const validate = bodyValidator('graph');
    expect(validate(res.json), JSON.stringify(validate.errors)).toBe(true);
  });

  it('groups the steps of parallel branches', async () => {
    const res = await http(server().url, 'GET', '/v1/workflows/batch-fanout/versions/1/graph');
    expect(res.json.groups.map((g: { label: string }) => g.label)).toEqual(['sales', 'stock', 'signups']);
  });

  it('answers 404 for a version that is not registered', async () => {
    const res = await http(server().url, 'GET', '/v1/workflows/trip-booking-saga/versions/9/graph');
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe('workflow "trip-booking-saga" version 9 is not registered');
  });
});

describe('POST /v1/validate', () => {
  it('answers the graph of a valid definition, and none for an invalid one', async () => {
    const good = await http(server().url, 'POST', '/v1/validate', SAGA, { 'content-type': 'application/yaml' });
    expect(good.json).toMatchObject({ valid: true, errors: [] });
    expect(good.json.graph).toEqual(buildGraph(loadPlan(SAGA, 'workflow.yaml').plan!));
    const bad = await http(server().url, 'POST', '/v1/validate', SAGA.replace('next: undo', 'next: und'), { 'content-type': 'application/yaml' });
    expect(bad.json.valid).toBe(false);
    expect(bad.json).not.toHaveProperty('graph');
  });
});

describe('the web console at /ui', () => {
  it('serves the page at /ui and /ui/, confined to this server', async () => {
    for (const path of ['/ui', '/ui/']) {
      const res = await http(server().url, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('<script type="module" src="/ui/app.js">');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('serves the bundle, and a problem for a file it does not have', async () => {
    const script = await http(server().url, 'GET', '/ui/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await http(server().url, 'GET', '/ui/app.css')).headers.get('content-type')).toMatch(/^text\/css/);
    const missing = await http(server().url, 'GET', '/ui/nothing.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('needs no API key for its files, while the API it calls does', async () => {
    const guarded = await startServer(join(server().dir, 'guarded.db'), { env: { SEGUE_API_KEYS: 'ops:viewer:a-key-of-sixteen-chars' } });
    try {
      expect((await http(guarded.url, 'GET', '/ui/')).status).toBe(200);
      expect((await http(guarded.url, 'GET', '/v1/workflows')).status).toBe(401);
    } finally {
      await guarded.stop();
    }
  });
});
