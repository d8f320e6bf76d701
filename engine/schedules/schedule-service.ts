/**
 * Managing schedules: create, replace, delete, pause, resume, trigger, and the view callers see
 * (with the next fire times and the recent fires).
 */
import { randomUUID } from 'node:crypto';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../definitions/duration.js';
import type { Clock } from '../clock.js';
import { SegueError } from '../errors.js';
import type { ScheduleRecord, ScheduleStore } from '../store/port.js';
import { parseCron, type CronSchedule } from '../../definitions/cron.js';
import type { Scheduler } from './scheduler.js';
import type { OverlapPolicy, ScheduleSpec, ScheduleView } from '../../protocol/schedules.js';

export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'buffer', 'allow', 'cancel', 'terminate'];
const DEFAULT_CATCHUP_MS = 60_000;
const NEXT_FIRES_SHOWN = 5;

export class ScheduleService {
  constructor(
    private readonly store: ScheduleStore,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    /** Throws NOT_FOUND when the workflow is not registered. */
    private readonly checkWorkflow: (name: string, version: number | null) => Promise<void>,
  ) {}

  async create(spec: ScheduleSpec, origin: ScheduleRecord['origin'] = 'api'): Promise<ScheduleView> {
    await this.checkWorkflow(spec.workflow, spec.version ?? null);
    const now = this.clock.now();
    const record = this.build(spec, { id: spec.id ?? randomUUID(), origin, createdAt: now, rev: 1 });
    if (!(await this.store.putSchedule(record, null))) throw new SegueError('CONFLICT', `a schedule with id "${record.id}" already exists`);
    return this.view(record);
  }

  /** Replaces the settings of a schedule, keeping its fires (and its next fire, if the timing is unchanged). */
  async replace(id: string, spec: ScheduleSpec): Promise<ScheduleView> {
    await this.checkWorkflow(spec.workflow, spec.version ?? null);
    return this.update(id, (current) => this.carryOver(current, this.build({ ...spec, id }, current)));
  }

  /**
   * Brings the schedules a workflow file declares (`schedules:`) in line with it, each under the
   * id `<workflow>.<id or position>`: new ones are created, changed ones updated (registering the
   * same file again changes nothing), and the ones the file no longer declares are deleted. Pause
   * and resume through the API stand: `paused` in the file applies when a schedule is created.
   */
  async declare(workflow: string, specs: Omit<ScheduleSpec, 'workflow'>[]): Promise<void> {
    const declared = new Set<string>();
    for (const [index, spec] of specs.entries()) {
      const id = `${workflow}.${spec.id ?? index + 1}`;
      declared.add(id);
      const existing = await this.store.getSchedule(id);
      if (!existing) {
        await this.create({ ...spec, workflow, id }, 'definition');
        continue;
      }
      if (existing.origin !== 'definition') {
        throw new SegueError('CONFLICT', `schedule "${id}" was created through the API; give the declared schedule another id`);
      }
      const change = (current: ScheduleRecord): ScheduleRecord =>
        this.carryOver(current, this.build({ ...spec, workflow, id, paused: current.paused }, current));
      if (!sameSettings(existing, change(existing))) await this.update(id, change);
    }
    for (const s of await this.store.listSchedules()) {
      if (s.origin === 'definition' && s.workflow === workflow && !declared.has(s.id)) await this.store.deleteSchedule(s.id);
    }
  }

  /** `next` with the state of `current` that a change of settings must not lose. */
  private carryOver(current: ScheduleRecord, next: ScheduleRecord): ScheduleRecord {
    const sameTiming = current.cron === next.cron && current.timezone === next.timezone && current.paused === next.paused;
    return {
      ...next,
      recent: current.recent,
      pending: current.pending,
      buffered: current.buffered,
      lastInstanceId: current.lastInstanceId,
      // Unchanged timing keeps the next fire, so fires missed while the engine was down still count.
      nextFireAt: sameTiming ? current.nextFireAt : next.nextFireAt,
    };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.deleteSchedule(id))) throw notFound(id);
  }

  pause(id: string): Promise<ScheduleView> {
    return this.update(id, (s) => ({ ...s, paused: true }));
  }

  /** Fires that fell due while paused are not made up for: the next one is computed from now. */
  resume(id: string): Promise<ScheduleView> {
    return this.update(id, (s) => ({ ...s, paused: false, nextFireAt: this.cronOf(s).next(this.clock.now()) }));
  }

  async trigger(id: string): Promise<ScheduleView> {
    const record = await this.scheduler.trigger(id);
    if (!record) throw notFound(id);
    return this.view(record);
  }

  async get(id: string): Promise<ScheduleView> {
    const record = await this.store.getSchedule(id);
    if (!record) throw notFound(id);
    return this.view(record);
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.store.listSchedules()).map((s) => this.view(s));
  }

  private async update(id: string, change: (current: ScheduleRecord) => ScheduleRecord): Promise<ScheduleView> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const current = await this.store.getSchedule(id);
      if (!current) throw notFound(id);
      const next = { ...change(current), rev: current.rev + 1, updatedAt: this.clock.now() };
      if (await this.store.putSchedule(next, current.rev)) return this.view(next);
    }
    throw new SegueError('CONFLICT', `schedule "${id}" kept changing under concurrent updates; try again`);
  }

  private build(spec: ScheduleSpec, base: Pick<ScheduleRecord, 'id' | 'origin' | 'createdAt' | 'rev'>): ScheduleRecord {
    const timezone = spec.timezone ?? 'UTC';
    const cron = checked(() => parseCron(spec.cron, timezone));
    const overlap = spec.overlap ?? 'skip';
    if (!OVERLAP_POLICIES.includes(overlap)) {
      throw new SegueError('BAD_REQUEST', `overlap "${overlap}" is not a policy; use one of ${OVERLAP_POLICIES.join(', ')}`);
    }
    const catchupWindowMs = spec.catchupWindow === undefined ? DEFAULT_CATCHUP_MS : parseDuration(spec.catchupWindow);
    if (catchupWindowMs === null) throw new SegueError('BAD_REQUEST', `catchupWindow "${spec.catchupWindow}" is not a duration; write it like 5m or 1h`);
    if (catchupWindowMs > MAX_DURATION_MS) {
      throw new SegueError('BAD_REQUEST', `catchupWindow "${spec.catchupWindow}" is longer than the ${formatDuration(MAX_DURATION_MS)} (about 100 years) a duration may be; make it shorter`);
    }
    const now = this.clock.now();
    return {
      ...base,
      workflow: spec.workflow,
      version: spec.version ?? null,
      cron: spec.cron,
      timezone,
      input: spec.input ?? {},
      overlap,
      catchupWindowMs,
      paused: spec.paused ?? false,
      note: spec.note ?? null,
      nextFireAt: cron.next(now),
      pending: [],
      buffered: null,
      lastInstanceId: null,
      recent: [],
      updatedAt: now,
    };
  }

  private cronOf(s: ScheduleRecord): CronSchedule {
    return checked(() => parseCron(s.cron, s.timezone));
  }

  private view(s: ScheduleRecord): ScheduleView {
    const nextFires: string[] = [];
    if (!s.paused) {
      const cron = this.cronOf(s);
      for (let at = s.nextFireAt; at !== null && nextFires.length < NEXT_FIRES_SHOWN; at = cron.next(at)) nextFires.push(new Date(at).toISOString());
    }
    return {
      id: s.id,
      workflow: s.workflow,
      version: s.version,
      cron: s.cron,
      timezone: s.timezone,
      input: s.input,
      overlap: s.overlap,
      catchupWindow: formatDuration(s.catchupWindowMs),
      paused: s.paused,
      note: s.note,
      origin: s.origin,
      nextFires,
      recent: s.recent,
      buffered: s.buffered,
      createdAt: new Date(s.createdAt).toISOString(),
      updatedAt: new Date(s.updatedAt).toISOString(),
    };
  }
}

const SETTINGS: (keyof ScheduleRecord)[] = ['workflow', 'version', 'cron', 'timezone', 'input', 'overlap', 'catchupWindowMs', 'paused', 'note', 'nextFireAt'];

function sameSettings(a: ScheduleRecord, b: ScheduleRecord): boolean {
  return SETTINGS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new SegueError('BAD_REQUEST', (err as Error).message);
  }
}

function notFound(id: string): SegueError {
  return new SegueError('NOT_FOUND', `schedule "${id}" does not exist`);
}
