/**
 * One case of a test file: a fresh engine on the in-memory store with a virtual clock, the
 * workflows registered, one instance started and driven to its end, and its expectations checked.
 */
import { dirname, relative, resolve } from 'node:path';
import { ManualClock } from '../engine/clock.js';
import { createEngine, type Engine } from '../engine/engine.js';
import { SegueError } from '../engine/errors.js';
import { TERMINAL_STATUSES } from '../engine/store/port.js';
import { parseDuration } from '../definitions/duration.js';
import type { Problem } from '../definitions/model.js';
import { isRecord, quote, type Path } from '../definitions/messages.js';
import { HTTP_TASK_TYPE } from '../core/model.js';
import { checkExpectations, describeError, formatElapsed, type Mismatch, type Outcome } from './expectations.js';
import { compareGolden, writeGolden, type GoldenEvent } from './golden.js';
import { CaseMocks, type Call } from './mocks.js';
import { DEFAULT_INSTANCE_ID, DEFAULT_START, type EventDefinition } from './model.js';
import type { TestFile } from './test-file.js';
import { VirtualTimeDriver, type DriveOptions, type DriveResult, type PlannedEvent } from './virtual-time.js';
import type { InstanceView } from '../protocol/instances.js';

export interface CaseResult {
  name: string;
  /** Where the case is in the test file. */
  path: Path;
  /** Every way the case failed, at its place in the test file; empty when it passed. */
  failures: Problem[];
  /** Virtual time from the start to the end of the case, ms. */
  virtualMs: number;
  /** Real time the case took, ms. */
  realMs: number;
  /** Golden files written by --update. */
  written: string[];
  /** How the instance ended (or was when the case stopped), for the reader of a failure. */
  ended?: string;
}

export interface CaseOptions {
  /** Write the golden history files instead of comparing with them. */
  update?: boolean;
  /** Moves of the driver a case may take before it is reported as a loop; default MAX_MOVES. */
  maxMoves?: number;
}

export async function runCase(test: TestFile, index: number, options: CaseOptions = {}): Promise<CaseResult> {
  const began = performance.now();
  const c = test.definition.cases[index]!;
  const path: Path = ['cases', index];
  const result: CaseResult = { name: c.name, path, failures: [], virtualMs: 0, realMs: 0, written: [] };
  const failed = (...mismatches: Mismatch[]): void => {
    for (const m of mismatches) result.failures.push({ file: test.file, ...test.locate(m.path), message: m.message });
  };
  const start = c.now === undefined ? DEFAULT_START : Date.parse(c.now);
  const clock = new ManualClock(start);
  // No jitter: a retry waits its full interval. No host is allowed: mocks answer every HTTP call.
  const engine = await createEngine({ store: 'memory', clock, random: () => 0, http: { allowHosts: [] } });
  try {
    for (const w of test.workflows.byName.values()) await engine.register(w.text, w.file);
    const id = c.id ?? DEFAULT_INSTANCE_ID;
    try {
      await engine.startInstance(test.workflows.main.name, { id, input: c.input ?? {} });
    } catch (err) {
      if (!(err instanceof SegueError)) throw err;
      failed({ path: 'input' in c ? [...path, 'input'] : [...path, 'name'], message: `the instance cannot start: ${err.message}` });
      return result;
    }
    const driver = new VirtualTimeDriver({ ...driving(test, index, start, options), engine, clock, instanceId: id });
    const drive = await driver.run();
    result.virtualMs = clock.now() - start;
    const stop = stopFailure(drive, path, result.virtualMs, test.workflows.main.name);
    if (stop) {
      failed(stop);
      return result;
    }
    const view = await driver.view();
    const history = await fullHistory(engine, view);
    const outcome = outcomeOf(view, history, result.virtualMs);
    if (drive.ending.kind === 'stuck') outcome.stuck = `the instance cannot go on: ${(await waitsOf(engine, view)).join('; ')}, and nothing else is due`;
    failed(...checkExpectations(c.expect, outcome, [...path, 'expect']));
    result.ended = endedLine(outcome, drive, c.events ?? []);
    if (c.expect.history !== undefined) {
      const golden = await checkGolden(resolve(dirname(test.file), c.expect.history), history, options.update === true);
      if ('written' in golden) result.written.push(golden.written);
      else if (golden.problem) failed({ path: [...path, 'expect', 'history'], message: `history: ${golden.problem}` });
    }
    return result;
  } finally {
    await engine.stop();
    result.realMs = performance.now() - began;
  }
}

/** What the driver of case `index` answers and raises, and when it stops. */
function driving(test: TestFile, index: number, start: number, options: CaseOptions): Omit<DriveOptions, 'engine' | 'clock' | 'instanceId'> {
  const c = test.definition.cases[index]!;
  const events: PlannedEvent[] = (c.events ?? []).map((e, i) => ({
    index: i,
    event: e.event,
    payload: e.payload ?? null,
    ...(e.key === undefined ? {} : { key: e.key }),
    ...(e.at === undefined ? {} : { atMs: start + (parseDuration(e.at) ?? 0) }),
  }));
  const mocks = new CaseMocks(test.workflows.main.name, [
    { definition: test.definition.mocks, path: ['mocks'] },
    { definition: c.mocks, path: ['cases', index, 'mocks'] },
  ]);
  return {
    workflows: test.workflows,
    mocks,
    events,
    ...(c.stopAfter === undefined ? {} : { stopAtMs: start + (parseDuration(c.stopAfter) ?? 0) }),
    ...(options.maxMoves === undefined ? {} : { maxMoves: options.maxMoves }),
  };
}

/** Writes the golden file (`update`), or compares the history with it. */
async function checkGolden(file: string, history: readonly GoldenEvent[], update: boolean): Promise<{ written: string } | { problem?: string }> {
  const shown = relative(process.cwd(), file) || file;
  if (update) {
    await writeGolden(file, history);
    return { written: shown };
  }
  const problem = await compareGolden(file, shown, history);
  return problem === undefined ? {} : { problem };
}

/** A run that ended before its expectations can mean anything, as a failure of the case. */
function stopFailure(drive: DriveResult, path: Path, virtualMs: number, main: string): Mismatch | undefined {
  const ending = drive.ending;
  switch (ending.kind) {
    case 'unmocked':
      return { path: [...path, 'name'], message: unmockedMessage(ending.call, main) };
    case 'mockFailed':
      return { path: ending.error.path, message: ending.error.message };
    case 'busy':
      return {
        path: [...path, 'name'],
        message: `the instance was still busy after ${ending.moves} moves of the test, ${formatElapsed(virtualMs)} of virtual time in: a loop that never ends? Give the case stopAfter: to end it at a time of your choosing`,
      };
    default:
      return undefined;
  }
}

/** Why a task got no answer, and where its mock goes. */
export function unmockedMessage(call: Call, main: string): string {
  const name = call.workflow === main ? call.step : `${call.workflow}/${call.step}`;
  const step = `step ${quote(call.step)}${call.workflow === main ? '' : ` of the child workflow ${call.workflow}`}`;
  const http = call.type === HTTP_TASK_TYPE;
  const request = isRecord(call.input) ? `${String(call.input.method ?? 'GET').toUpperCase()} ${String(call.input.url ?? '')}` : 'an HTTP call';
  const does = http ? `calls ${request}, which no mock answers (a test makes no request)` : `runs a task of type ${call.type}, which no mock answers`;
  if (call.compensation) return `the compensation of ${step} ${does}; add one under mocks: ${http ? '' : `tasks: ${call.type}: (or `}compensations: ${name}:${http ? '' : ')'}`;
  return `${http ? 'http ' : ''}${step} ${does}; add one under mocks: ${http ? '' : `tasks: ${call.type}: (or `}steps: ${name}:${http ? '' : ')'}`;
}

function outcomeOf(view: InstanceView, history: readonly GoldenEvent[], elapsedMs: number): Outcome {
  const path: string[] = [];
  const compensations: string[] = [];
  for (const e of history) {
    const details = (e.details ?? {}) as { attempt?: number };
    if (e.type === 'StepStarted' && e.step !== undefined && (details.attempt ?? 1) === 1) path.push(e.step);
    if ((e.type === 'CompensationCompleted' || e.type === 'CompensationFailed') && e.step !== undefined) compensations.push(e.step);
  }
  const waitingAt = view.status === 'RUNNING' ? view.current.filter((c) => c.waiting !== 'join').map((c) => c.step) : [];
  return { view, path, compensations, waitingAt, elapsedMs };
}

/** The history of every run of the instance, oldest first. */
async function fullHistory(engine: Engine, view: InstanceView): Promise<GoldenEvent[]> {
  const events: GoldenEvent[] = [];
  for (let run = 1; run <= view.run; run += 1) {
    for (const e of await engine.history(view.id, run)) events.push({ run, ...e });
  }
  return events;
}

/** How the instance ended, and which of the case's events were never raised. */
function endedLine(outcome: Outcome, drive: DriveResult, events: readonly EventDefinition[]): string {
  const { view } = outcome;
  const after = formatElapsed(outcome.elapsedMs);
  const where = outcome.waitingAt.length > 0 ? ` at ${outcome.waitingAt.map((s) => `step ${quote(s)}`).join(', ')}` : '';
  const line =
    drive.ending.kind === 'stopped' ? `the case stopped after ${after} (its stopAfter) with the instance ${view.status}${where}`
    : `the instance ${TERMINAL_STATUSES.has(view.status) ? 'ended' : 'was'} ${view.status}${view.error ? ` with ${describeError(view.error)}` : where} after ${after}`;
  const named = (e: EventDefinition): string => (e.key === undefined ? quote(e.event) : `${quote(e.event)} with key ${quote(e.key)}`);
  const notes = [line];
  const unraised = events.filter((_, i) => !drive.raised.includes(i)).map(named);
  if (unraised.length > 0) notes.push(`the case's event ${unraised.join(', ')} was never raised: nothing waited for it`);
  const lost = events.filter((_, i) => drive.lost.includes(i)).map(named);
  if (lost.length > 0) notes.push(`the case's event ${lost.join(', ')} reached no instance waiting for it`);
  return notes.join('; ');
}

/** Where an instance (and the children it waits for) waits, and for what. */
async function waitsOf(engine: Engine, view: InstanceView): Promise<string[]> {
  const waits: string[] = [];
  for (const c of view.current) {
    const step = `step ${quote(c.step)}${view.parentId === null ? '' : ` of ${view.workflow}`}`;
    if (c.waiting === 'event') {
      // The key the wait correlates on is in its history, not in the view.
      const awaited = (await engine.history(view.id)).findLast((e) => e.type === 'EventAwaited' && e.step === c.step);
      const key = (awaited?.details as { key?: string } | undefined)?.key;
      waits.push(`${step} waits for the event ${quote(c.event ?? '')}${key === undefined ? '' : ` with key ${quote(key)}`}, which the case does not raise`);
    } else if (c.waiting === 'child' && c.childId) waits.push(...(await waitsOf(engine, await engine.getInstance(c.childId))));
    else if (c.waiting !== 'join') waits.push(`${step} waits (${c.waiting})`);
  }
  return waits;
}
