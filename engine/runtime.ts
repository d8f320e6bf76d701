/**
 * The runtime applies inputs to instances: load, decide, commit atomically (compare-and-swap on
 * the instance's rev, retried on conflict), then tell local listeners what changed. The store holds
 * every instance's state. The runtime keeps only what this process is doing and a copy: the inputs
 * waiting per instance (its mailboxes: one instance's inputs are applied in order, and batched),
 * how many instances it is creating (counted against the engine's cap), and the records it
 * committed last (the record cache: it saves a read, and a commit by another runtime makes the
 * compare-and-swap fail, so it reads again). So any number of runtimes can share one store.
 */
import type { Json } from '../definitions/model.js';
import type { Clock } from './clock.js';
import { decide, initialState, type DecideResult } from '../core/decide.js';
import { DEFAULT_DECIDE_OPTIONS, type DecideOptions, type Outcome } from '../core/context.js';
import { SegueError } from './errors.js';
import type { PlanRegistry } from './plans.js';
import type { EngineInput, InstanceState } from '../core/model.js';
import type { InstanceRecord, Store } from './store/port.js';
import { TERMINAL_STATUSES } from './store/port.js';
import { Mailboxes, type Settled } from './mailboxes.js';
import type { EagerLeases, LocalLeases } from './leases.js';
import type { Notifier } from './notifier.js';
import { TransitionDraft } from './transition-draft.js';
import { RecordCache } from './record-cache.js';
import { addCommandRecords } from './command-records.js';
import { consume, type Fold, type Posted } from './fold.js';
import { foldInline, HeldTasks, type ChainRuntime } from './inline-chains.js';
import type { ApplyResult, Consumed, InputPort } from './inputs.js';
import { TransitionWriter, type WriteProgress } from './transition-writer.js';
import { limitError, overLimit, replacementFor, type LimitExcess, type StateLimits } from './state-limits.js';
import { DEFAULT_SET_ASIDE_AFTER, hold, refusal, release, setAside, sourceOf, triesOf, withoutMarks, withoutTry, withTry } from './set-aside.js';
import type { TransitionFault } from './transition-faults.js';
import type { RunSlotGate } from './concurrency.js';

export interface RuntimeOptions {
  store: Store;
  plans: PlanRegistry;
  clock: Clock;
  random: () => number;
  decide: Omit<DecideOptions, 'now' | 'random'>;
  limits: StateLimits;
  /**
   * Tries an input delivered again (its timer or lease claimed again after a delivery that did not
   * finish) may have before its instance is set aside. Default DEFAULT_SET_ASIDE_AFTER.
   */
  setAsideAfter?: number;
  /** The test-only fault seam (transition-faults.ts); absent outside those tests. */
  fault?: TransitionFault;
  /** Run slots of workflows with a concurrency limit; without it, limits are not applied. */
  slots?: RunSlotGate;
  /** Where each commit is told to this process's listeners. */
  notifier: Notifier;
  /** In-process workers that take tasks as they are scheduled; without them, every task is queued. */
  localLeases?: LocalLeases;
}

const MAX_CONFLICT_RETRIES = 100;
const APPLIED: Outcome = { kind: 'applied' };
const QUEUED: Outcome = { kind: 'stale', reason: 'waiting for a run slot (the workflow is at its concurrency limit)' };
/** Most inputs one commit takes from an instance's mailbox. */
const MAX_BATCH = 256;

export class Runtime implements InputPort {
  readonly notifier: Notifier;
  private readonly localLeases: LocalLeases | undefined;
  /** Step lifecycle events are written only while some subscription asks for them (set by the deliveries). */
  stepEvents = false;
  private readonly records = new RecordCache();
  private readonly writer: TransitionWriter;
  /** What an inline chain decides its results with. */
  private readonly chain: ChainRuntime;
  // Inputs to one instance are applied in order, never racing each other in this process (so
  // compare-and-swap conflicts come only from other engines); those that arrive while a commit is
  // in flight are applied together, in the next one.
  private readonly mailboxes = new Mailboxes<Posted, ApplyResult>((id, posted) => this.applyPosted(id, posted), MAX_BATCH);

  private readonly decideDefaults: Omit<DecideOptions, 'now'>;
  private readonly setAsideAfter: number;
  /** Instances being created by this process at the moment. */
  private creating = 0;
  /**
   * Instances whose first steps run inline before they are written: an input for one (the result
   * of a handler that outran the chain) waits for the creation, since until then it has no record.
   */
  private readonly unwritten = new Map<string, Promise<unknown>>();

  constructor(private readonly options: RuntimeOptions) {
    this.notifier = options.notifier;
    this.localLeases = options.localLeases;
    this.writer = new TransitionWriter({ store: options.store, records: this.records, notifier: this.notifier, localLeases: this.localLeases, slots: options.slots });
    this.chain = {
      localLeases: this.localLeases,
      now: () => this.now(),
      fold: (f, posted) => this.fold(f, posted),
      isOverLimit: (f) => this.overLimit(f.record, JSON.stringify(f.record.state)) !== null,
    };
    this.decideDefaults = { ...DEFAULT_DECIDE_OPTIONS, ...options.decide, random: options.random };
    this.setAsideAfter = options.setAsideAfter ?? DEFAULT_SET_ASIDE_AFTER;
    if (!Number.isInteger(this.setAsideAfter) || this.setAsideAfter < 1) {
      throw new SegueError('BAD_REQUEST', `setAsideAfter must be a whole number of tries >= 1, got ${this.setAsideAfter}`);
    }
  }

  get store(): Store {
    return this.options.store;
  }

  /** Instances this process is applying inputs to, or creating, at the moment. */
  get active(): number {
    return this.mailboxes.size + this.creating;
  }

  now(): number {
    return this.options.clock.now();
  }

  decideOptions(now: number): DecideOptions {
    return { ...this.decideDefaults, now };
  }

  /**
   * Applies `input` to instance `id`. Conflicting commits by other runtimes are retried. Tasks it
   * schedules that no in-process worker takes are leased to `eager` when it has room.
   */
  apply(id: string, input: EngineInput, consumed: Consumed = {}, eager?: EagerLeases): Promise<ApplyResult> {
    const post = (): Promise<ApplyResult> => this.mailboxes.post(id, eager ? { input, consumed, eager } : { input, consumed });
    const creation = this.unwritten.get(id);
    return creation ? creation.then(post, post) : post();
  }

  private async applyPosted(id: string, posted: Posted[]): Promise<Settled<ApplyResult>[]> {
    if (posted.some((p) => p.consumed.redelivered && !p.tried)) return this.applyOneByOne(id, posted);
    let folded: Awaited<ReturnType<Runtime['applyFolded']>>;
    const progress: WriteProgress = { written: false };
    try {
      folded = await this.applyFolded(id, posted, progress);
    } catch (error) {
      // One input's error must not fail the others: they go one by one — unless the error came
      // after the commit (from a listener), when going again would apply them twice.
      if (progress.written) return posted.map(() => ({ error }));
      if (posted.length === 1) return [await this.failed(id, posted[0]!, error)];
      return this.applyStepwise(id, posted, []);
    }
    if ('overLimit' in folded) return this.applyStepwise(id, posted, folded.chained);
    return folded.map((value) => ({ value }));
  }

  /** A batch holding an input delivered again: each input on its own, in order. */
  private async applyOneByOne(id: string, posted: Posted[]): Promise<Settled<ApplyResult>[]> {
    const settled: Settled<ApplyResult>[] = [];
    for (const p of posted) {
      try {
        settled.push(...(p.consumed.redelivered ? await this.applyAgain(id, p) : await this.applyPosted(id, [p])));
      } catch (error) {
        settled.push({ error });
      }
    }
    return settled;
  }

  /**
   * An input whose last delivery did not finish: its try is written (a commit of its own) before it
   * is made, so that an engine dying on it is counted; when it has had its tries, its instance is
   * set aside instead. Only this path writes twice, and only after something went wrong.
   */
  private async applyAgain(id: string, p: Posted): Promise<Settled<ApplyResult>[]> {
    const source = sourceOf(p.input, p.consumed);
    const marked = await this.change(id, (f) => {
      // Set aside already (the input is held) or finished (it is stale): applied as any input is.
      if (f.record.setAside || TERMINAL_STATUSES.has(f.record.status)) return null;
      const tries = triesOf(f.record, source);
      if (tries >= this.setAsideAfter) {
        this.setAsideOn(f, p, tries);
        return 'set aside';
      }
      f.record = withTry(f.record, source, p.input, this.now());
      return 'marked';
    });
    if (marked?.value === 'set aside') return [{ value: { outcome: APPLIED, record: marked.record } }];
    return this.applyPosted(id, [{ ...p, tried: true }]);
  }

  /**
   * What the caller of an input whose application failed learns. When its transition threw, the try
   * is written, and the instance set aside once the input has had its tries.
   */
  private async failed(id: string, p: Posted, error: unknown): Promise<Settled<ApplyResult>> {
    if (!(error instanceof TransitionThrew)) return { error };
    const source = sourceOf(p.input, p.consumed);
    const count = this.change(id, (f) => {
      if (f.record.setAside || TERMINAL_STATUSES.has(f.record.status)) return null;
      f.record = withTry(f.record, source, p.input, this.now(), error.message, p.tried);
      const tries = f.record.redelivery!.tries;
      if (tries >= this.setAsideAfter) this.setAsideOn(f, p, tries);
      return tries;
    });
    // The caller learns what the transition threw either way; a store failing now is its own matter.
    await count.catch(() => undefined);
    return { error: error.cause };
  }

  /** Sets the instance of the fold aside on `p`, which is consumed and held. */
  private setAsideOn(f: Fold, p: Posted, tries: number): void {
    const { record, event } = setAside(f.record, p.input, tries, this.now());
    f.record = record;
    f.draft.history.push(event);
    consume(f.draft, p.consumed);
  }

  /**
   * One change of an instance's record that decides nothing (the marks of set-aside handling),
   * committed by compare-and-swap like any transition; `edit` answers null for no change.
   */
  private async change<T>(id: string, edit: (f: Fold) => T | null): Promise<{ record: InstanceRecord; value: T } | null> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const base = await this.load(id);
      const f = await this.startFold(base);
      const value = edit(f);
      if (value === null) {
        this.records.keep(base);
        return null;
      }
      const record = { ...f.record, rev: base.rev + 1 };
      if (await this.commit(f.draft, record, base.rev, JSON.stringify(record.state))) return { record, value };
    }
    throw conflict(id);
  }

  /**
   * The fast way: every input in one decision after another, then the results of in-process
   * tasks that finish quickly, all in one commit. Limits are checked on what would be written;
   * when it is over one, nothing is written and the inputs go through applyStepwise.
   */
  private async applyFolded(id: string, posted: Posted[], progress: WriteProgress): Promise<ApplyResult[] | { overLimit: true; chained: Posted[] }> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const base = await this.load(id);
      const f = await this.startFold(base);
      const outcomes: Outcome[] = [];
      for (const p of posted) outcomes.push(await this.fold(f, p));
      const chained = await foldInline(f, this.chain);
      if (outcomes.every((o) => o.kind === 'stale') && f.draft.isEmpty()) return outcomes.map((outcome) => ({ outcome, record: base }));
      const record = { ...f.record, rev: base.rev + 1 };
      const stateJson = JSON.stringify(record.state);
      if (this.overLimit(record, stateJson)) {
        this.writer.discard(f.draft);
        return { overLimit: true, chained };
      }
      // A refused compare-and-swap (another engine moved the instance on) starts over from the store.
      if (await this.commit(f.draft, record, base.rev, stateJson, undefined, progress)) return outcomes.map((outcome) => ({ outcome, record }));
    }
    throw conflict(id);
  }

  /**
   * The careful way, after a fold went over a limit: each input is its own commit, checked on its
   * own, so the one that breaks the limit is the one replaced. The results of inline tasks are then
   * applied in order too (their tasks are written leased but not run again), up to the first that
   * is replaced; tasks whose results were not applied are run.
   */
  private async applyStepwise(id: string, posted: Posted[], chained: Posted[]): Promise<Settled<ApplyResult>[]> {
    const held = new HeldTasks(chained);
    const settled: Settled<ApplyResult>[] = [];
    let replaced = false;
    for (const p of posted) {
      try {
        const checked = await this.applyChecked(id, p, held);
        replaced ||= checked.replaced;
        settled.push({ value: checked.result });
      } catch (error) {
        settled.push(await this.failed(id, p, error));
      }
    }
    // After a replacement the decisions differ from the fold's: its later results may not fit.
    await this.applyChained(id, replaced ? [] : chained, held);
    return settled;
  }

  /**
   * The results of an inline chain, applied one commit each, in order, up to the first replaced;
   * then the held tasks whose results were not applied are run. Answers the last record written.
   */
  private async applyChained(id: string, chained: Posted[], held: HeldTasks): Promise<InstanceRecord | undefined> {
    let record: InstanceRecord | undefined;
    for (const c of chained) {
      held.consume(c.consumed.taskId, this.localLeases);
      const checked = await this.applyChecked(id, c, held).catch(() => null);
      if (!checked) break;
      record = checked.result.record;
      if (checked.replaced) break;
    }
    held.runRest(this.localLeases);
    return record;
  }

  /** One input in one commit, replaced by what fails its step (or the run) when it breaks a limit. */
  private async applyChecked(id: string, given: Posted, held: HeldTasks): Promise<{ result: ApplyResult; replaced: boolean }> {
    let input = given.input;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const base = await this.load(id);
      const f = await this.startFold(base);
      const outcome = await this.fold(f, { ...given, input });
      const record = { ...f.record, rev: base.rev + 1 };
      const stateJson = JSON.stringify(record.state);
      const excess = input.type === 'abort' ? null : this.overLimit(record, stateJson);
      if (excess) {
        // The decision is dropped; what replaces it fails the step or the run instead.
        this.writer.discard(f.draft);
        input = excess.kind === 'history' ? { type: 'abort', error: limitError(excess.message) } : replacementFor(input, excess.message);
        continue;
      }
      const replaced = input !== given.input;
      if (outcome.kind === 'stale' && f.draft.isEmpty()) return { result: { outcome, record: base }, replaced };
      if (await this.commit(f.draft, record, base.rev, stateJson, held)) return { result: { outcome, record }, replaced };
    }
    throw conflict(id);
  }

  /** The record this process committed last, if it still has it (decide takes it over), else the store's. */
  private async load(id: string): Promise<InstanceRecord> {
    const record = this.records.take(id) ?? (await this.options.store.getInstance(id));
    if (!record) throw new SegueError('NOT_FOUND', `instance "${id}" does not exist`);
    return record;
  }

  private async startFold(record: InstanceRecord): Promise<Fold> {
    return { plan: await this.options.plans.get(record.workflow, record.version), record, draft: new TransitionDraft() };
  }

  /** Decides one input on top of the fold, adding its writes to the draft. */
  private async fold(f: Fold, posted: Posted): Promise<Outcome> {
    const { input, consumed, eager } = posted;
    const now = this.now();
    const aside = f.record.setAside !== undefined;
    if (aside && input.type !== 'terminate') return this.foldSetAside(f, posted, now);
    if (input.type === 'start' && !(await this.mayStart(f))) {
      // It stays PENDING in its workflow's queue; the slot given back to it brings a new start.
      consume(f.draft, consumed);
      f.record = { ...f.record, rev: f.record.rev + 1 };
      return QUEUED;
    }
    let result: DecideResult;
    // A retry onto another version decides on that version's plan; the fold keeps it once applied.
    const plan = input.type === 'retry' && input.version !== undefined ? await this.options.plans.get(f.record.workflow, input.version) : f.plan;
    if (input.type === 'retry' && f.record.status === 'FAILED' && plan.concurrencyLimit !== undefined) await this.options.slots?.takeForRetry(plan, f.record);
    try {
      result = await decide(plan, f.record, input, this.decideOptions(now));
      this.options.fault?.(result.history);
    } catch (err) {
      throw new TransitionThrew(err);
    }
    // The commit applying an input delivered again clears its tries; terminating clears the mark.
    f.record = result.record.redelivery ? withoutTry(result.record, sourceOf(input, consumed)) : result.record;
    if (f.record.version === plan.version) f.plan = plan;
    if (aside && TERMINAL_STATUSES.has(f.record.status)) f.record = withoutMarks(f.record);
    consume(f.draft, consumed);
    await addCommandRecords(f.draft, result, now, { plans: this.options.plans, localLeases: this.localLeases, eager });
    return result.outcome;
  }

  /** A PENDING instance of a workflow with a concurrency limit starts only holding a run slot. */
  private async mayStart(f: Fold, bounded = false): Promise<boolean> {
    const slots = this.options.slots;
    if (!slots || f.plan.concurrencyLimit === undefined || f.record.status !== 'PENDING') return true;
    return slots.take(f.plan, f.record, bounded);
  }

  /**
   * An input to an instance set aside. A retry clears the mark and applies the inputs held, on top,
   * in the same commit: if one fails again nothing is written and the instance stays set aside. An
   * input that consumes a timer or a task is held; anything else is refused.
   */
  private async foldSetAside(f: Fold, { input, consumed }: Posted, now: number): Promise<Outcome> {
    if (input.type === 'retry') {
      if (input.from !== undefined || input.patch !== undefined || input.version !== undefined) {
        return { kind: 'stale', reason: `it is set aside (${f.record.setAside!.reason}): a retry applies what it holds, and takes no step, patch or version` };
      }
      const released = release(f.record, now);
      f.record = released.record;
      f.draft.history.push(released.event);
      for (const held of released.inputs) {
        try {
          await this.fold(f, { input: held, consumed: {} });
        } catch (err) {
          if (!(err instanceof TransitionThrew)) throw err;
          throw new SegueError('INVALID_STATE', `instance "${f.record.id}" was not retried: applying its ${held.type} input threw again (${err.message}); it stays set aside`);
        }
      }
      return APPLIED;
    }
    if (consumed.timerId === undefined && consumed.taskId === undefined) return { kind: 'stale', reason: refusal(f.record) };
    const { record, event } = hold(f.record, input, now);
    f.record = record;
    f.draft.history.push(event);
    consume(f.draft, consumed);
    return APPLIED;
  }

  /**
   * Creates an instance. With `startAt` in the future, or `deferred`, it stays PENDING behind a
   * start timer (due at once when deferred), so the timer loop decides its first steps, and an
   * engine dying on them is counted as for any input delivered again; otherwise its first steps are
   * decided now and stored with it in one atomic write (with those of an inline chain, when the id
   * is new). Returns null when an instance with that id exists already.
   */
  async create(spec: {
    id: string;
    workflow: string;
    version: number;
    input: Json;
    startAt?: number;
    deferred?: boolean;
    parentId?: string | null;
    state?: Pick<InstanceState, 'parent' | 'schedule'>;
    /**
     * The id was made for this start, so no other start can name it: the first quick steps may
     * then run before the instance is written, and share its commit (an inline chain). A start with
     * an id of the caller's may be a repeat, whose steps must not run again.
     */
    idIsNew?: boolean;
  }): Promise<InstanceRecord | null> {
    const now = this.now();
    // Decisions take over the state they are given: a start decided again needs a record of its own.
    const fresh = (): InstanceRecord => ({
      id: spec.id,
      run: 1,
      workflow: spec.workflow,
      version: spec.version,
      status: 'PENDING',
      rev: 0,
      parentId: spec.parentId ?? null,
      createdAt: now,
      updatedAt: now,
      waits: [],
      state: initialState(spec.input, now, spec.state),
    });
    this.creating += 1;
    try {
      return await this.createPending(fresh, spec);
    } finally {
      this.creating -= 1;
    }
  }

  private async createPending(fresh: () => InstanceRecord, spec: { startAt?: number; deferred?: boolean; idIsNew?: boolean }): Promise<InstanceRecord | null> {
    const f = await this.startFold(fresh());
    const now = f.record.createdAt;
    if (spec.deferred || (spec.startAt !== undefined && spec.startAt > now)) {
      f.record = { ...f.record, rev: 1 };
      f.draft.createTimers.push({ id: `${f.record.id}:start`, instanceId: f.record.id, dueAt: Math.max(spec.startAt ?? now, now), input: { type: 'start' } });
    } else {
      await this.foldStart(f);
      if (spec.idIsNew && this.mayChainStart(f)) return this.createChained(fresh, f);
    }
    return this.createFolded(fresh, f, []);
  }

  /**
   * Whether the first steps of a new instance may run before it is written (workers.inlineStart).
   * Not for a workflow with a concurrency limit: going back to a start of its own (createAlone)
   * would take its run slot twice. Nor when a task it schedules went to the queue for want of room:
   * its chain would hold slots that instances already written wait for.
   */
  private mayChainStart(f: Fold): boolean {
    if (!this.localLeases?.inlineStart || f.plan.concurrencyLimit !== undefined) return false;
    return f.draft.createTasks.length > 0 && f.draft.createTasks.every((t) => t.status === 'LEASED');
  }

  /** Creates the instance with the steps its first inline chain takes; inputs for it wait meanwhile. */
  private async createChained(fresh: () => InstanceRecord, f: Fold): Promise<InstanceRecord | null> {
    const id = f.record.id;
    const creation = this.writeChained(fresh, f);
    this.unwritten.set(id, creation);
    try {
      return await creation;
    } finally {
      this.unwritten.delete(id);
    }
  }

  private async writeChained(fresh: () => InstanceRecord, f: Fold): Promise<InstanceRecord | null> {
    let chained: Posted[];
    try {
      chained = await foldInline(f, this.chain);
    } catch (err) {
      this.writer.discard(f.draft);
      if (!(err instanceof TransitionThrew)) throw err;
      // A result of the chain could not be decided: the instance is written without the chain,
      // and that step's task runs again, its result applied (and counted) as any other input's.
      return this.createAlone(fresh, []);
    }
    return this.createFolded(fresh, f, chained);
  }

  private async createFolded(fresh: () => InstanceRecord, f: Fold, chained: Posted[], held?: HeldTasks): Promise<InstanceRecord | null> {
    const stateJson = JSON.stringify(f.record.state);
    const excess = this.overLimit(f.record, stateJson);
    if (excess) {
      this.writer.discard(f.draft);
      // The chain broke the limit: the start is written alone, and the chain's results applied after it, one by one.
      if (chained.length > 0) return this.createAlone(fresh, chained);
      throw new SegueError('LIMIT_EXCEEDED', `the instance could not start: ${excess.message}`);
    }
    const { expectedRev: _none, ...transition } = f.draft.toTransition(f.record, 0, stateJson, this.stepEvents);
    if (!(await this.writer.create(transition, f.draft, held))) return null;
    return f.record;
  }

  /** Decides the start of a new instance into the fold. */
  private async foldStart(f: Fold): Promise<void> {
    // A start asked for from outside is refused, rather than queued, past the longest queue.
    await this.mayStart(f, true);
    try {
      await this.fold(f, { input: { type: 'start' }, consumed: {} });
    } catch (err) {
      // Nothing is written: the caller learns what the start threw.
      throw err instanceof TransitionThrew ? err.cause : err;
    }
  }

  /**
   * An instance whose first chain cannot be written with it: its start is written on its own (the
   * tasks whose results are at hand held back), then those results are applied as applyStepwise
   * applies them, so that one breaking a limit fails its step.
   */
  private async createAlone(fresh: () => InstanceRecord, chained: Posted[]): Promise<InstanceRecord | null> {
    const held = new HeldTasks(chained);
    const f = await this.startFold(fresh());
    await this.foldStart(f);
    const created = await this.createFolded(fresh, f, [], held);
    if (!created) return null;
    return (await this.applyChained(created.id, chained, held)) ?? created;
  }

  private commit(draft: TransitionDraft, record: InstanceRecord, expectedRev: number, stateJson: string, held?: HeldTasks, progress?: WriteProgress): Promise<boolean> {
    return this.writer.update(draft.toTransition(record, expectedRev, stateJson, this.stepEvents), draft, held, progress);
  }

  private overLimit(record: InstanceRecord, stateJson: string): LimitExcess | null {
    return overLimit(record, stateJson, this.options.limits);
  }
}

/** What decide (or the fault seam) threw: the transition failed, not the store or the caller. */
class TransitionThrew extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    this.name = 'TransitionThrew';
  }
}

function conflict(id: string): SegueError {
  return new SegueError('CONFLICT', `instance "${id}" kept changing under concurrent updates; try again`);
}

