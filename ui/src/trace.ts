/**
 * An instance's paths of execution — the top level, each parallel branch, each map item — and the
 * step attempts of each, rebuilt from its history. The history names a step but not the path that
 * took it, so each event is matched to its path by what the engine logs and in which order: ids
 * where the event has one (task, child), the graph's transitions, and the order in which one
 * transition logs its events (a path that finished a step starts its next step before another
 * path starting the same step does; items are forked in index order).
 */
import type { Graph, GraphNode } from '../../definitions/graph.js';
import type { Json } from '../../definitions/model.js';
import type { HistoryView } from '../../client/http-client.js';
import { GraphIndex } from './graph-index.js';

export type Outcome = 'running' | 'completed' | 'failed' | 'cancelled';

export interface StepAttempt {
  step: string;
  /** The graph node, when the history and the graph agree on one. */
  node?: GraphNode;
  path: ExecutionPath;
  /** From 1: the retry count of the step in its path. */
  attempt: number;
  /** Epoch ms. */
  start: number;
  end?: number;
  outcome: Outcome;
  /** Every event of this attempt, in order. */
  events: HistoryView[];
  taskId?: string;
  /** The worker that reported the task's result, and when it says it started (epoch ms). */
  worker?: string | null;
  workerStart?: number;
  error?: { error: string; message: string };
  /** The result as the history keeps it: whole, or summarised when large (`resultSummarised`). */
  result?: Json;
  resultSummarised?: boolean;
  /** The task's evaluated input (task and http steps), whole or summarised (`inputSummarised`). */
  input?: Json;
  inputSummarised?: boolean;
  /** The task's time limit and heartbeat interval, ms. */
  timeoutMs?: number;
  heartbeatMs?: number;
  /** What the attempt waits for now. */
  waiting?: 'task' | 'callback' | 'event' | 'delay' | 'child' | 'join' | 'compensation';
  event?: string;
  childId?: string;
  /** When its timer is due, for delay steps and retries (epoch ms). */
  dueAt?: number;
  /** The end of its retry timer's id ("r20"), as far as the trace can tell it. */
  retryTimer?: string;
  /** The items or branches a map or parallel attempt forked, in the order they started. */
  children: ExecutionPath[];
  /** True when a compensation registered by this attempt ran (failed: it failed). */
  compensated?: 'completed' | 'failed';
}

export interface ExecutionPath {
  /** In creation order; the top level is 0. */
  id: number;
  scope: string;
  /** The map or parallel attempt that forked it; absent at the top level. */
  parent?: StepAttempt;
  index?: number;
  branch?: string;
  attempts: StepAttempt[];
  outcome: Outcome;
  /** Epoch ms it ended at. */
  end?: number;
  /** Waiting for a retry of its last attempt. */
  retrying?: boolean;
}

export interface RunTrace {
  paths: ExecutionPath[];
  /** Every attempt, in start order. */
  attempts: StepAttempt[];
  /** The attempt each event belongs to (events of the instance as a whole have none). */
  attemptOf: Map<number, StepAttempt>;
}

/** A path that will take its next step in the same transition: `step` (undefined: any). */
interface Ready {
  path: ExecutionPath;
  step?: string;
  at: number;
}

type Details = Record<string, Json>;

export function traceRun(history: readonly HistoryView[], graph: Graph): RunTrace {
  return new Tracer(new GraphIndex(graph)).run(history);
}

class Tracer {
  private readonly paths: ExecutionPath[] = [];
  private readonly attempts: StepAttempt[] = [];
  private readonly attemptOf = new Map<number, StepAttempt>();
  private ready: Ready[] = [];
  /** Attempts not ended yet, by step name. */
  private readonly open = new Map<string, StepAttempt[]>();
  /** The attempt of each step name the last event about that step was about. */
  private readonly focus = new Map<string, StepAttempt>();
  private readonly byTask = new Map<string, StepAttempt>();
  private readonly byChild = new Map<string, StepAttempt>();
  /** Failed attempts whose retry timer is set, in the order they were set (equal due times fire in that order). */
  private retries: StepAttempt[] = [];
  /** Attempts whose compensation is registered, oldest first (they run newest first). */
  private registered: StepAttempt[] = [];
  private compensating?: StepAttempt;
  /**
   * The instance's id counter, as far as the history shows it: the engine numbers the tasks,
   * timers, children and paths it makes from one counter ("…:t12", "…:r13"), and logs only some
   * of those ids. Knowing the others tells which retry a timer firing is for.
   */
  private ids = 0;

  constructor(private readonly graph: GraphIndex) {}

  run(history: readonly HistoryView[]): RunTrace {
    for (const event of history) {
      const attempt = this.apply(event, Date.parse(event.at));
      if (attempt) {
        attempt.events.push(event);
        this.attemptOf.set(event.seq, attempt);
      }
    }
    return { paths: this.paths, attempts: this.attempts, attemptOf: this.attemptOf };
  }

  /** Applies one event; answers the attempt it belongs to. */
  private apply(event: HistoryView, at: number): StepAttempt | undefined {
    const d = (event.details ?? {}) as Details;
    const step = event.step;
    switch (event.type) {
      case 'InstanceStarted':
        this.ready.push({ path: this.newPath(''), step: this.graph.next(this.startNode())?.label, at });
        return undefined;
      case 'InstanceRetried': {
        const root = this.paths[0] ?? this.newPath('');
        this.reopenPath(root);
        this.ready.push({ path: root, ...(step !== undefined ? { step } : {}), at });
        return undefined;
      }
    }
    if (step === undefined) return undefined;
    const handle = this.stepEvents[event.type];
    // An event of a type this table does not know goes with the last attempt of its step.
    return handle ? handle(step, d, at) : this.focus.get(step);
  }

  /** What each event about a step does to the trace, by event type. */
  private readonly stepEvents: Record<string, (step: string, d: Details, at: number) => StepAttempt | undefined> = {
    StepStarted: (step, d, at) => this.started(step, typeof d.attempt === 'number' ? d.attempt : 1, at, placesOf(d.path)),
    TaskScheduled: (step, d) => {
      this.ids = idNumber(d.taskId) ?? this.ids;
      return this.withFocus(step, (a) => {
        a.waiting = d.callback === true ? 'callback' : 'task';
        a.taskId = String(d.taskId);
        this.byTask.set(a.taskId, a);
        if (d.input !== undefined) {
          a.input = d.input;
          a.inputSummarised = d.summarised === true;
        }
        if (typeof d.timeoutMs === 'number') a.timeoutMs = d.timeoutMs;
        if (typeof d.heartbeatMs === 'number') a.heartbeatMs = d.heartbeatMs;
      });
    },
    TaskStarted: (step, d) =>
      this.about(step, this.byTask.get(String(d.taskId)), (a) => {
        a.worker = (d.worker as string | null) ?? null;
        if (typeof d.startedAt === 'string') a.workerStart = Date.parse(d.startedAt);
      }),
    TaskCompleted: (step, d) => this.about(step, this.byTask.get(String(d.taskId))),
    TaskFailed: (step, d) => this.about(step, this.byTask.get(String(d.taskId)), (a) => (a.error = errorOf(d, 'Error'))),
    TaskTimedOut: (step, d) => this.about(step, this.byTask.get(String(d.taskId)), (a) => (a.error = errorOf(d, 'Timeout'))),
    EventAwaited: (step, d) =>
      this.withFocus(step, (a) => {
        a.waiting = 'event';
        a.event = String(d.event);
      }),
    EventReceived: (step, d) => this.about(step, this.earliestOpen(step, (a) => a.waiting === 'event' && a.event === d.event)),
    TimerStarted: (step, d) => {
      this.ids += 1;
      return this.withFocus(step, (a) => {
        a.waiting = 'delay';
        a.dueAt = Date.parse(String(d.dueAt));
      });
    },
    TimerFired: (step, d, at) => this.timerFired(step, String(d.timerId), at),
    ChildStarted: (step, d) => {
      this.ids = idNumber(d.childId) ?? this.ids;
      return this.withFocus(step, (a) => {
        a.waiting = 'child';
        a.childId = String(d.childId);
        this.byChild.set(a.childId, a);
      });
    },
    ChildFinished: (step, d) => this.about(step, this.byChild.get(String(d.childId))),
    StepCompleted: (step, d, at) => this.withFocus(step, (a) => this.completed(a, d, at)),
    StepFailed: (step, d, at) =>
      this.withFocus(step, (a) => {
        this.end(a, 'failed', at);
        a.error = errorOf(d, 'Error');
        this.finishPath(a.path, 'failed', at);
      }),
    RetryScheduled: (step, d, at) =>
      this.withFocus(step, (a) => {
        a.dueAt = at + Number(d.delayMs ?? 0);
        a.retryTimer = `r${++this.ids}`;
        this.reopenPath(a.path);
        a.path.retrying = true;
        this.retries.push(a);
      }),
    ErrorCaught: (step, d, at) =>
      this.withFocus(step, (a) => {
        this.reopenPath(a.path);
        if (typeof d.next !== 'string') this.ready.push({ path: a.path, at });
        else this.goOn(a.path, d.next === 'end' ? undefined : d.next, at);
      }),
    StepCancelled: (step, _d, at) => this.cancelled(step, at),
    ContinuedAsNew: (step, _d, at) =>
      this.withFocus(step, (a) => {
        this.end(a, 'completed', at);
        this.finishPath(a.path, 'completed', at);
      }),
    CompensationRegistered: (step) => this.withFocus(step, (a) => this.registered.push(a)),
    CompensationStarted: (step, d) => {
      this.ids = idNumber(d.taskId) ?? this.ids;
      this.compensating = this.takeRegistered(step) ?? this.compensating;
      return this.compensating;
    },
    CompensationCompleted: () => this.compensationEnded('completed'),
    CompensationFailed: () => this.compensationEnded('failed'),
    CompensationRetryScheduled: () => {
      this.ids += 1;
      return this.compensating;
    },
  };

  private compensationEnded(how: 'completed' | 'failed'): StepAttempt | undefined {
    if (this.compensating) this.compensating.compensated = how;
    return this.compensating;
  }

  private startNode(): GraphNode {
    return this.graph.graph.nodes.find((n) => n.id === this.graph.graph.start)!;
  }

  private newPath(scope: string, parent?: StepAttempt): ExecutionPath {
    const path: ExecutionPath = { id: this.paths.length, scope, attempts: [], outcome: 'running' };
    if (parent) {
      this.ids += 1;
      path.parent = parent;
      parent.children.push(path);
    }
    this.paths.push(path);
    return path;
  }

  /** `places`: where the engine says the step runs (histories written before it said so have none). */
  private started(step: string, attempt: number, at: number, places?: Place[]): StepAttempt {
    // Paths made ready by an earlier transition did not go on: they were cancelled or stopped.
    this.ready = this.ready.filter((r) => r.at === at);
    const key = places && placesKey(places);
    const path = this.takeReady(step, key) ?? this.fork(step, places) ?? this.newPath(this.scopeOf(step));
    const node = this.graph.node(path.scope, step);
    const a: StepAttempt = { step, path, attempt, start: at, outcome: 'running', events: [], children: [] };
    if (node) a.node = node;
    if (node?.type === 'map' || node?.type === 'parallel') a.waiting = 'join';
    if (node?.type === 'compensate') a.waiting = 'compensation';
    path.attempts.push(a);
    path.retrying = false;
    this.attempts.push(a);
    this.open.set(step, [...(this.open.get(step) ?? []), a]);
    this.focus.set(step, a);
    return a;
  }

  /** A path made ready for `step` (with `key`, the one the engine names). */
  private takeReady(step: string, key?: string): ExecutionPath | undefined {
    const i = this.ready.findIndex((r) => (key === undefined || pathKey(r.path) === key) && (r.step === step || (r.step === undefined && this.graph.node(r.path.scope, step))));
    if (i < 0) return undefined;
    return this.ready.splice(i, 1)[0]!.path;
  }

  /**
   * A new item or branch, when `step` is the first step of a map body or a branch whose step is
   * running; of the map or parallel attempt and at the item `places` names, when it names them.
   */
  private fork(step: string, places?: Place[]): ExecutionPath | undefined {
    const place = places?.at(-1);
    const parentKey = places && placesKey(places.slice(0, -1));
    for (const group of this.graph.groupsByEntry.get(step) ?? []) {
      const owner = this.graph.owner(group);
      if (place && place.step !== owner?.label) continue;
      const parents = (this.open.get(owner?.label ?? '') ?? []).filter((a) => a.node === owner && (parentKey === undefined || pathKey(a.path) === parentKey));
      if (place?.item !== undefined && parents.length > 0) {
        const path = this.newPath(group.scope, parents.at(-1));
        path.index = place.item;
        return path;
      }
      if (group.kind === 'branch') {
        const parent = parents.find((a) => !a.children.some((c) => c.branch === group.label));
        if (!parent) continue;
        const path = this.newPath(group.scope, parent);
        path.branch = group.label;
        return path;
      }
      // The newest map of that name forks first; a map whose item just ended forks the next item.
      const parent = this.focus.get(owner?.label ?? '');
      const chosen = parent && parents.includes(parent) ? parent : parents.at(-1);
      if (!chosen) continue;
      const path = this.newPath(group.scope, chosen);
      path.index = chosen.children.length - 1;
      return path;
    }
    return undefined;
  }

  private scopeOf(step: string): string {
    return this.graph.graph.nodes.find((n) => n.kind === 'step' && n.label === step)?.scope ?? '';
  }

  /** Runs `change` on the attempt the last event about `step` was about. */
  private withFocus(step: string, change: (a: StepAttempt) => void): StepAttempt | undefined {
    const a = this.focus.get(step);
    if (a) change(a);
    return a;
  }

  /** `a` (found by an id) is what events about `step` are about from now on. */
  private about(step: string, a: StepAttempt | undefined, change?: (a: StepAttempt) => void): StepAttempt | undefined {
    if (!a) return undefined;
    this.focus.set(step, a);
    change?.(a);
    return a;
  }

  private earliestOpen(step: string, match: (a: StepAttempt) => boolean): StepAttempt | undefined {
    return (this.open.get(step) ?? []).filter(match).sort((x, y) => x.path.id - y.path.id)[0];
  }

  private end(a: StepAttempt, outcome: Outcome, at: number): void {
    a.outcome = outcome;
    a.end = at;
    a.waiting = undefined;
    const open = this.open.get(a.step);
    if (open) this.open.set(a.step, open.filter((o) => o !== a));
  }

  private completed(a: StepAttempt, d: Details, at: number): void {
    const type = a.node?.type;
    this.end(a, type === 'fail' ? 'failed' : 'completed', at);
    if (d.result !== undefined) {
      a.result = d.result;
      a.resultSummarised = d.summarised === true;
    }
    if (type === 'fail') return this.finishPath(a.path, 'failed', at);
    if (type === 'succeed') return this.finishPath(a.path, 'completed', at);
    if (typeof d.next === 'string') return this.goOn(a.path, d.next === 'end' ? undefined : d.next, at);
    const next = a.node ? this.graph.next(a.node) : undefined;
    if (a.node && !next) return this.finishPath(a.path, 'completed', at);
    this.ready.push({ path: a.path, ...(next ? { step: next.label } : {}), at });
  }

  /** The path goes to `step`, or finishes when there is none. */
  private goOn(path: ExecutionPath, step: string | undefined, at: number): void {
    if (step === undefined) return this.finishPath(path, 'completed', at);
    this.ready.push({ path, step, at });
  }

  private finishPath(path: ExecutionPath, outcome: Outcome, at: number): void {
    path.outcome = outcome;
    path.end = at;
    // The map or parallel step takes the next event about its name (its end, or the next item).
    if (path.parent) this.focus.set(path.parent.step, path.parent);
  }

  /** A failure that a retry or a catch rule took up: the path goes on. */
  private reopenPath(path: ExecutionPath): void {
    path.outcome = 'running';
    path.end = undefined;
  }

  /** Takes the retry of `step` that `first` puts first. */
  private takeRetry(step: string, first: (x: StepAttempt, y: StepAttempt) => number): StepAttempt | undefined {
    const due = this.retries.filter((a) => a.step === step).sort(first)[0];
    if (!due) return undefined;
    this.retries = this.retries.filter((a) => a !== due);
    due.path.retrying = false;
    return due;
  }

  private timerFired(step: string, timerId: string, at: number): StepAttempt | undefined {
    // The retry whose timer has this id; else the first due (timers due together fire in the order of their ids).
    const key = /:([a-z]+\d+)$/.exec(timerId)?.[1];
    const retrying = this.takeRetry(step, (x, y) => Number(y.retryTimer === key) - Number(x.retryTimer === key) || (x.dueAt ?? 0) - (y.dueAt ?? 0) || byText(x.retryTimer, y.retryTimer));
    if (retrying) {
      this.ready.push({ path: retrying.path, step, at });
      return this.about(step, retrying);
    }
    const delay = (this.open.get(step) ?? []).filter((a) => a.waiting === 'delay').sort((x, y) => (x.dueAt ?? 0) - (y.dueAt ?? 0))[0];
    if (delay) return this.about(step, delay);
    // A wait or child step timed out: it fails (StepFailed follows) or goes to its onTimeout step.
    const timedOut = this.earliestOpen(step, (a) => a.waiting === 'event' || a.waiting === 'child');
    if (!timedOut) return undefined;
    this.end(timedOut, 'failed', at);
    timedOut.error = { error: 'Timeout', message: 'timed out' };
    const next = timedOut.node ? this.graph.next(timedOut.node, 'timeout') : undefined;
    if (next) this.ready.push({ path: timedOut.path, step: next.label, at });
    return this.about(step, timedOut);
  }

  /** The engine cancels a path's items and branches first, then the path, in the order they were made. */
  private cancelled(step: string, at: number): StepAttempt | undefined {
    const open = this.earliestOpen(step, () => true);
    if (open) {
      this.end(open, 'cancelled', at);
      this.finishPath(open.path, 'cancelled', at);
      return this.about(step, open);
    }
    const retrying = this.takeRetry(step, (x, y) => x.path.id - y.path.id);
    if (!retrying) return undefined;
    this.finishPath(retrying.path, 'cancelled', at);
    return this.about(step, retrying);
  }

  private takeRegistered(step: string): StepAttempt | undefined {
    for (let i = this.registered.length - 1; i >= 0; i--) {
      if (this.registered[i]!.step !== step) continue;
      return this.registered.splice(i, 1)[0];
    }
    return undefined;
  }
}

function byText(x = '', y = ''): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The counter in an id the engine made: "…:1:t12" and "….step.1-12" give 12. */
function idNumber(id: Json | undefined): number | undefined {
  const match = typeof id === 'string' ? /(\d+)$/.exec(id) : null;
  return match ? Number(match[1]) : undefined;
}

function errorOf(d: Details, fallback: string): { error: string; message: string } {
  return { error: typeof d.error === 'string' ? d.error : fallback, message: typeof d.message === 'string' ? d.message : '' };
}

/** One step of the way from the top level to a nested frame, as the engine logs it on StepStarted. */
interface Place {
  step: string;
  item?: number;
  branch?: string;
}

function placesOf(value: Json | undefined): Place[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((p) => {
    if (p === null || typeof p !== 'object' || Array.isArray(p) || typeof p.step !== 'string') return [];
    const place: Place = { step: p.step };
    if (typeof p.item === 'number') place.item = p.item;
    if (typeof p.branch === 'string') place.branch = p.branch;
    return [place];
  });
}

function placesKey(places: Place[]): string {
  return places.map((p) => (p.item !== undefined ? `${p.step}[${p.item}]` : `${p.step}.${p.branch ?? ''}`)).join('/');
}

/** The key of the places a path runs in, as placesKey writes the engine's. */
function pathKey(path: ExecutionPath): string {
  const places: Place[] = [];
  for (let p: ExecutionPath | undefined = path; p?.parent; p = p.parent.path) {
    places.unshift(p.index !== undefined ? { step: p.parent.step, item: p.index } : { step: p.parent.step, branch: p.branch ?? '' });
  }
  return placesKey(places);
}

/** Where a path is, for people: "item 3", "sales", "item 2 · sales" (innermost first). */
export function pathLabel(path: ExecutionPath): string {
  const parts: string[] = [];
  for (let p: ExecutionPath | undefined = path; p; p = p.parent?.path) {
    if (p.index !== undefined) parts.push(`item ${p.index}`);
    else if (p.branch !== undefined) parts.push(p.branch);
  }
  return parts.join(' · ');
}

/** The attempt as a row label: its step, and where it ran. */
export function attemptLabel(a: StepAttempt): string {
  const where = pathLabel(a.path);
  return where ? `${a.step} · ${where}` : a.step;
}
