/**
 * Numbers past what a double holds (1e400) parse as Infinity, which JSON has no way to write: stored,
 * they would come back as null. Every route that reads JSON or a definition refuses them, naming where.
 */
import { describe, expect, it } from 'vitest';
import { eventually, http, serverForFile, type RawResponse } from '../helpers/server.js';

/** A task, then a wait for an event; each test has its own, so that a poll claims that test's task. */
const flow = (name: string): string => `name: ${name}
steps:
  - name: work
    type: task
    task: ${name}.work
    timeout: 1h
  - name: hold
    type: wait
    event: go
    correlate: "\${ 'k' }"
`;

const server = serverForFile(['numbers', 'results', 'events'].map(flow));
const RANGE = `numbers must lie between -${Number.MAX_VALUE} and ${Number.MAX_VALUE}; send a larger one as a string`;

const post = (path: string, body: string): Promise<RawResponse> => http(server().url, 'POST', path, body);

function expectRefused(res: RawResponse, where: string): void {
  expect(res.status).toBe(400);
  expect(res.json).toMatchObject({ type: 'https://segue.dev/problems/malformed-body', detail: `the body holds a number out of range at ${where}: ${RANGE}` });
}

/** Starts an instance of `workflow` and claims its task. */
async function claimWork(workflow: string): Promise<{ token: string; instanceId: string }> {
  const started = await post(`/v1/workflows/${workflow}/instances`, '{"input":{"n":1}}');
  expect(started.status).toBe(201);
  const [task] = (await post('/v1/tasks/poll', `{"types":["${workflow}.work"],"worker":"w","wait":"5s"}`)).json as { token: string; instanceId: string }[];
  expect(task!.instanceId).toBe(started.json.id);
  return task!;
}

describe('a number out of range', () => {
  it('in a start input is refused, and no instance is made', async () => {
    expectRefused(await post('/v1/workflows/numbers/instances', '{"id":"too-big","input":{"n":1e400}}'), '$.input.n');
    expectRefused(await post('/v1/workflows/numbers/instances', '{"input":{"items":[{"unit price":-1E+309}]}}'), '$.input.items[0]["unit price"]');
    expect((await http(server().url, 'GET', '/v1/instances/too-big')).status).toBe(404);
    // The largest double and a number too small to tell from 0 are numbers JSON holds.
    const edge = await post('/v1/workflows/numbers/instances', `{"id":"edge","input":{"max":${Number.MAX_VALUE},"tiny":1e-400}}`);
    expect(edge.status).toBe(201);
    expect((await http(server().url, 'GET', '/v1/instances/edge')).json.input).toEqual({ max: Number.MAX_VALUE, tiny: 0 });
  });

  it('in a task result, one at a time or in a batch, or a failure report is refused; the attempt stays open for a result that is right', async () => {
    const { token } = await claimWork('results');
    expectRefused(await post(`/v1/tasks/${token}/complete`, '{"output":{"deep":[1,2,{"n":1e999}]}}'), '$.output.deep[2].n');
    expectRefused(await post('/v1/tasks/results', `{"results":[{"token":"${token}","output":{"n":-1e400}}]}`), '$.results[0].output.n');
    expectRefused(await post(`/v1/tasks/${token}/fail`, '{"error":"Overflow","retryable":1e400}'), '$.retryable');
    expect((await post(`/v1/tasks/${token}/complete`, '{"output":{"n":"1e400"}}')).status).toBe(204);
  });

  it('in an event payload, direct or correlated, is refused, and the waiting instance keeps waiting', async () => {
    const { token, instanceId } = await claimWork('events');
    expect((await post(`/v1/tasks/${token}/complete`, '{"output":{}}')).status).toBe(204);
    const waiting = async (): Promise<boolean | undefined> => {
      const view = (await http(server().url, 'GET', `/v1/instances/${instanceId}`)).json;
      return view.status === 'RUNNING' && view.current.some((c: { step: string }) => c.step === 'hold') ? true : undefined;
    };
    await eventually(waiting, { what: 'the instance to wait for its event' });
    expectRefused(await post(`/v1/instances/${instanceId}/events/go`, '{"n":1e400}'), '$.n');
    expectRefused(await post('/v1/events/go', '{"key":"k","data":[1e400]}'), '$.data[0]');
    expect(await waiting()).toBe(true);
  });

  it("in a schedule's input is refused, and no schedule is made", async () => {
    expectRefused(await post('/v1/schedules', '{"id":"big","workflow":"numbers","cron":"0 9 * * *","input":{"n":1e400}}'), '$.input.n');
    expect((await http(server().url, 'GET', '/v1/schedules/big')).status).toBe(404);
  });

  it('in a definition, YAML or JSON, is refused at its line and column, registered or only validated', async () => {
    const yaml = 'name: big\nsteps:\n  - name: work\n    type: task\n    task: t\n    retry:\n      backoffCoefficient: 1e400\n';
    const registered = await http(server().url, 'POST', '/v1/workflows', yaml, { 'content-type': 'application/yaml' });
    expect(registered.status).toBe(400);
    expect(registered.json.errors).toEqual([
      {
        file: 'workflow.yaml',
        line: 7,
        column: 27,
        step: 'work',
        message: `step "work": "retry.backoffCoefficient" is 1e400, a number out of range: write a number between -${Number.MAX_VALUE} and ${Number.MAX_VALUE}, or quote it to keep it as text`,
      },
    ]);
    const json = '{"name":"big","steps":[{"name":"a","type":"succeed","output":{"n":-1e400}}]}';
    expect((await post('/v1/workflows', json)).json.errors).toEqual([expect.objectContaining({ file: 'workflow.json', line: 1, column: 67, step: 'a' })]);
    const validated = await http(server().url, 'POST', '/v1/validate', yaml.replace('1e400', '.inf'), { 'content-type': 'application/yaml' });
    expect(validated.json).toMatchObject({ valid: false, errors: [expect.objectContaining({ line: 7, column: 27, message: expect.stringContaining('is .inf, a number out of range') })] });
    expect((await http(server().url, 'GET', '/v1/workflows/big')).status).toBe(404);
  });
});
