import { describe, expect, it } from 'vitest';
import { eventually, http, serverForFile } from '../helpers/server.js';

const greet = (greeting: string): string => `name: greet
description: Says hello.
steps:
  - name: ask
    type: wait
    event: go
  - name: done
    type: succeed
    output: { message: "${greeting} ${'${ ask.who }'}" }
`;

const INVALID = `name: broken
steps:
  - name: first
    type: task
    task: work.do
    next: secnd
  - name: second
    type: succeed
`;

const server = serverForFile();

const postYaml = (path: string, text: string, type = 'application/yaml') => http(server().url, 'POST', path, text, { 'content-type': type });

describe('POST /v1/workflows', () => {
  it('registers YAML as version 1 (201), answers the same version for identical content (200), and the next for changed content', async () => {
    const first = await postYaml('/v1/workflows', greet('Hello'));
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ name: 'greet', version: 1 });

    const again = await postYaml('/v1/workflows', greet('Hello'), 'text/yaml');
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ name: 'greet', version: 1 });

    const changed = await postYaml('/v1/workflows', greet('Hi'), 'application/x-yaml');
    expect(changed.status).toBe(201);
    expect(changed.json).toEqual({ name: 'greet', version: 2 });
  });

  it('registers a JSON definition', async () => {
    const definition = { name: 'json-flow', steps: [{ name: 'only', type: 'succeed', output: { ok: true } }] };
    const res = await http(server().url, 'POST', '/v1/workflows', JSON.stringify(definition));
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ name: 'json-flow', version: 1 });
  });

  it('registers an Amazon States Language document under the name given, and runs it', async () => {
    const machine = { StartAt: 'Hello', States: { Hello: { Type: 'Pass', Parameters: { 'greeting.$': "States.Format('hello {}', $.who)" }, End: true } } };
    const res = await http(server().url, 'POST', '/v1/workflows?name=hello-asl', JSON.stringify(machine));
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ name: 'hello-asl', version: 1 });
    const started = await http(server().url, 'POST', '/v1/workflows/hello-asl/instances', JSON.stringify({ input: { who: 'ada' } }));
    expect(started.status).toBe(201);
    await eventually(async () => {
      const view = await http(server().url, 'GET', `/v1/instances/${started.json.id}`);
      expect(view.json).toMatchObject({ status: 'COMPLETED', output: { greeting: 'hello ada' } });
      return view.json;
    });
    const bad = await http(server().url, 'POST', '/v1/workflows?name=hello-asl', JSON.stringify({ StartAt: 'Nowhere', States: { Hello: { Type: 'Succeed' } } }));
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].message).toMatch(/StartAt/);
  });

  it('refuses an invalid definition with a problem listing each error with its position', async () => {
    const res = await postYaml('/v1/workflows', INVALID);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({
      type: 'https://segue.dev/problems/definition-invalid',
      status: 400,
      instance: '/v1/workflows',
    });
    expect(res.json.errors).toEqual([
      expect.objectContaining({ file: 'workflow.yaml', line: 6, column: 11, step: 'first', message: expect.stringContaining('did you mean "second"') }),
    ]);
    expect((await http(server().url, 'GET', '/v1/workflows/broken')).status).toBe(404);
  });

  it('positions problems of a JSON definition in the JSON text', async () => {
    const text = '{\n  "name": "bad-json",\n  "steps": [\n    { "name": "a", "type": "sucess" }\n  ]\n}\n';
    const res = await http(server().url, 'POST', '/v1/workflows', text);
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatchObject({ file: 'workflow.json', line: 4, step: 'a' });
    expect(res.json.errors[0].column).toBeGreaterThan(1);
  });

  it('refuses an empty body and a content type that is not YAML or JSON', async () => {
    const empty = await postYaml('/v1/workflows', '');
    expect(empty.status).toBe(400);
    expect(empty.json.detail).toMatch(/body is empty/);
    const xml = await postYaml('/v1/workflows', '<workflow/>', 'application/xml');
    expect(xml.status).toBe(415);
    expect(xml.json.type).toBe('https://segue.dev/problems/unsupported-media-type');
  });
});

describe('POST /v1/validate', () => {
  it('reports validity and problems without storing anything', async () => {
    const bad = await postYaml('/v1/validate', INVALID);
    expect(bad.status).toBe(200);
    expect(bad.json.valid).toBe(false);
    expect(bad.json.errors).toEqual([expect.objectContaining({ line: 6, column: 11, step: 'first' })]);

    const good = await postYaml('/v1/validate', greet('Yo').replace('name: greet', 'name: never-stored'));
    expect(good.json).toMatchObject({ valid: true, errors: [] });
    expect((await http(server().url, 'GET', '/v1/workflows/never-stored')).status).toBe(404);
  });
});

describe('GET /v1/workflows', () => {
  it('lists the latest version of each workflow', async () => {
    const res = await http(server().url, 'GET', '/v1/workflows');
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'greet', version: 2, description: 'Says hello.' }),
        expect.objectContaining({ name: 'json-flow', version: 1 }),
      ]),
    );
  });

  it('returns the latest version with its source and every version number', async () => {
    const res = await http(server().url, 'GET', '/v1/workflows/greet');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'greet', version: 2, source: greet('Hi'), versions: [1, 2] });
    expect(res.json.definition.name).toBe('greet');
  });

  it('returns one version by number, and 404 or 400 for versions that do not exist or are not numbers', async () => {
    const one = await http(server().url, 'GET', '/v1/workflows/greet/versions/1');
    expect(one.json).toMatchObject({ version: 1, source: greet('Hello') });
    const missing = await http(server().url, 'GET', '/v1/workflows/greet/versions/9');
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe('workflow "greet" version 9 is not registered');
    const word = await http(server().url, 'GET', '/v1/workflows/greet/versions/latest');
    expect(word.status).toBe(400);
    expect(word.json.detail).toMatch(/path parameter "version"/);
  });
});

describe('versions and instances', () => {
  it('keeps a started instance on its version when a newer one is registered', async () => {
    const started = await server().client.startInstance('greet', { version: 1 });
    await postYaml('/v1/workflows', greet('Howdy'));
    await server().client.raiseEvent(started.id, 'go', { who: 'Ada' });
    const done = await eventually(async () => {
      const view = await server().client.getInstance(started.id);
      return view.status === 'COMPLETED' ? view : undefined;
    });
    expect(done.version).toBe(1);
    expect(done.output).toEqual({ message: 'Hello Ada' });
    const latest = await server().client.startInstance('greet');
    expect(latest.version).toBe(3);
  });
});
