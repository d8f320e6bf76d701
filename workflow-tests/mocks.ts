/**
 * What answers a task of a case: the mock for its step (or, for a compensation, for the step it
 * undoes) or else for its task type, the case's own mocks before the file's. Each mock gives its
 * answers one per call, in order; answers with `when` are given whenever their condition holds.
 */
import { STATUS_CODES } from 'node:http';
import { compileExpression, compileTemplate, conditionSource, type CompiledExpression, type CompiledTemplate } from '../definitions/expressions.js';
import { plainScope } from '../definitions/expression-budget.js';
import { parseDuration } from '../definitions/duration.js';
import type { Json } from '../definitions/model.js';
import { isRecord, type Path } from '../definitions/messages.js';
import type { AnswerDefinition, MockDefinition, MocksDefinition, MockTable } from './model.js';

/** A task as the mocks see it. */
export interface Call {
  /** The workflow of the instance the task belongs to. */
  workflow: string;
  step: string;
  /** The task type, `$http` for an HTTP call. */
  type: string;
  /** True for the task of a compensation (of `step`). */
  compensation: boolean;
  input: Json;
  attempt: number;
}

/** What a mock answers to one call. */
export type Reply =
  | { kind: 'output'; output: Json; afterMs: number }
  | { kind: 'error'; error: string; message: string; retryable?: boolean; afterMs: number }
  | { kind: 'noAnswer' };

/** Where the virtual-time driver finds the answer to a task: a case's mocks, or another source. */
export interface TaskAnswers {
  find(call: Call): { reply(call: Call): Promise<Reply | undefined> } | undefined;
}

/** A mock that failed to answer (its `when` or a template failed to evaluate). */
export class MockError extends Error {
  constructor(
    message: string,
    /** Where the mock is in the test file. */
    readonly path: Path,
  ) {
    super(message);
    this.name = 'MockError';
  }
}

interface CompiledAnswer {
  path: Path;
  when?: CompiledExpression;
  output?: CompiledTemplate;
  error?: { name: string; message?: CompiledTemplate; retryable?: boolean };
  response?: { status: number; headers: Record<string, string>; body?: CompiledTemplate };
  noAnswer: boolean;
  afterMs: number;
}

/** One mock: its answers, and how many calls it has answered. */
export class Mock {
  private calls = 0;
  private readonly conditional: CompiledAnswer[];
  private readonly sequence: CompiledAnswer[];

  constructor(
    readonly path: Path,
    answers: CompiledAnswer[],
  ) {
    this.conditional = answers.filter((a) => a.when !== undefined);
    this.sequence = answers.filter((a) => a.when === undefined);
  }

  async reply(call: Call): Promise<Reply | undefined> {
    const scope = plainScope({ attempt: call.attempt });
    for (const answer of this.conditional) {
      const holds = await evaluate(answer, 'when', () => answer.when!.evaluate(call.input, scope));
      if (holds === true) return resolve(answer, call);
    }
    if (this.sequence.length === 0) return undefined;
    const answer = this.sequence[Math.min(this.calls, this.sequence.length - 1)]!;
    this.calls += 1;
    return resolve(answer, call);
  }
}

/** The mocks of one case: every mock keeps its own count of calls, from 0 at the start of the case. */
export class CaseMocks implements TaskAnswers {
  private readonly tables: Record<MockTable, Map<string, Mock>> = { tasks: new Map(), steps: new Map(), compensations: new Map() };

  /** `mocks`: the file's mocks then the case's, each with the path it is at in the test file. */
  constructor(
    private readonly main: string,
    mocks: readonly { definition: MocksDefinition | undefined; path: Path }[],
  ) {
    for (const { definition, path } of mocks) {
      for (const table of Object.keys(this.tables) as MockTable[]) {
        for (const [key, mock] of Object.entries(definition?.[table] ?? {})) {
          this.tables[table].set(key, compileMock(mock, [...path, table, key]));
        }
      }
    }
  }

  /** The mock answering `call`, if any: by step first, then by task type. */
  find(call: Call): Mock | undefined {
    const byStep = this.tables[call.compensation ? 'compensations' : 'steps'];
    const names = call.workflow === this.main ? [call.step, `${call.workflow}/${call.step}`] : [`${call.workflow}/${call.step}`];
    for (const name of names) {
      const mock = byStep.get(name);
      if (mock) return mock;
    }
    return call.type.startsWith('$') ? undefined : this.tables.tasks.get(call.type);
  }
}

function compileMock(mock: MockDefinition, path: Path): Mock {
  const answers = Array.isArray(mock) ? mock.map((a, i) => compileAnswer(a, [...path, i])) : [compileAnswer(mock, path)];
  return new Mock(path, answers);
}

/** Compiles an answer the checks passed (its expressions are valid). */
function compileAnswer(answer: AnswerDefinition, path: Path): CompiledAnswer {
  const compiled: CompiledAnswer = { path, noAnswer: answer.noAnswer === true, afterMs: answer.after === undefined ? 0 : (parseDuration(answer.after) ?? 0) };
  // JSONata's own notion of truth decides, as it does for a choice's `when`.
  if (answer.when !== undefined) compiled.when = compileExpression(`$boolean((\n${conditionSource(answer.when)}\n))`);
  if ('output' in answer) compiled.output = compileTemplate(answer.output ?? null);
  if (answer.error !== undefined) {
    compiled.error = { name: answer.error };
    if (answer.message !== undefined) compiled.error.message = compileTemplate(answer.message);
    if (answer.retryable !== undefined) compiled.error.retryable = answer.retryable;
  }
  if (answer.response) {
    const { status, headers, body } = answer.response;
    compiled.response = { status, headers: headers ?? {} };
    if (body !== undefined) compiled.response.body = compileTemplate(body);
  }
  return compiled;
}

async function resolve(answer: CompiledAnswer, call: Call): Promise<Reply> {
  if (answer.noAnswer) return { kind: 'noAnswer' };
  const scope = plainScope({ attempt: call.attempt });
  const { afterMs } = answer;
  if (answer.error) {
    const template = answer.error.message;
    const message = template ? await evaluate(answer, 'message', () => template.evaluate(call.input, scope)) : `${answer.error.name} (a mocked error)`;
    const reply: Reply = { kind: 'error', error: answer.error.name, message: typeof message === 'string' ? message : JSON.stringify(message), afterMs };
    if (answer.error.retryable !== undefined) reply.retryable = answer.error.retryable;
    return reply;
  }
  if (answer.response) {
    const { status, headers, body } = answer.response;
    const value = body ? await evaluate(answer, 'response', () => body.evaluate(call.input, scope)) : null;
    return httpReply(call.input, status, headers, value ?? null, afterMs);
  }
  const output = answer.output ? await evaluate(answer, 'output', () => answer.output!.evaluate(call.input, scope)) : null;
  return { kind: 'output', output: output ?? null, afterMs };
}

/**
 * An HTTP response as an http step sees it: its result when 2xx, else HttpError (retryable for
 * 5xx and 429), worded as the engine's own HTTP calls word it.
 */
function httpReply(request: Json, status: number, headers: Record<string, string>, body: Json, afterMs: number): Reply {
  if (status >= 200 && status < 300) return { kind: 'output', output: { status, headers, body }, afterMs };
  const method = isRecord(request) && typeof request.method === 'string' ? request.method.toUpperCase() : 'GET';
  const url = isRecord(request) && typeof request.url === 'string' ? request.url : '';
  const message = `${method} ${url} answered ${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return { kind: 'error', error: 'HttpError', message, retryable: status >= 500 || status === 429, afterMs };
}

async function evaluate(answer: CompiledAnswer, field: string, run: () => Promise<Json | undefined>): Promise<Json | undefined> {
  try {
    return await run();
  } catch (err) {
    throw new MockError(`the mock's ${field} failed: ${(err as Error).message}`, [...answer.path, field]);
  }
}
