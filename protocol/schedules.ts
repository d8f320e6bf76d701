/** Schedules as the API takes and answers them. */
import type { Json } from '../definitions/model.js';

/** A schedule as callers write it. */
export interface ScheduleSpec {
  id?: string;
  workflow: string;
  version?: number | null;
  cron: string;
  timezone?: string;
  input?: Json;
  overlap?: OverlapPolicy;
  /** A duration like `5m`; default 1m. */
  catchupWindow?: string;
  paused?: boolean;
  note?: string | null;
}

export interface ScheduleView {
  id: string;
  workflow: string;
  version: number | null;
  cron: string;
  timezone: string;
  input: Json;
  overlap: OverlapPolicy;
  catchupWindow: string;
  paused: boolean;
  note: string | null;
  origin: 'api' | 'definition';
  /** The next fire times (ISO), none while paused. */
  nextFires: string[];
  recent: ScheduleFire[];
  buffered: string | null;
  createdAt: string;
  updatedAt: string;
}

export type OverlapPolicy = 'skip' | 'buffer' | 'allow' | 'cancel' | 'terminate';

/** What became of one fire time of a schedule. */
export interface ScheduleFire {
  /** ISO time the cron expression named. */
  fireTime: string;
  outcome: 'started' | 'skipped' | 'missed' | 'buffered';
  instanceId: string | null;
  /** Why it was skipped or missed, in words. */
  reason?: string;
}
