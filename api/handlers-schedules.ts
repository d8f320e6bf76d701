/** Schedules: create, list, read, replace, delete, pause, resume, trigger. */
import type { Handler, HandlerContext } from './handler-context.js';
import { ApiError } from './problems.js';
import type { ScheduleSpec } from '../protocol/schedules.js';

type ScheduleOperations =
  | 'listSchedules'
  | 'createSchedule'
  | 'getSchedule'
  | 'replaceSchedule'
  | 'deleteSchedule'
  | 'pauseSchedule'
  | 'resumeSchedule'
  | 'triggerSchedule';

export function scheduleHandlers({ engine }: HandlerContext): Record<ScheduleOperations, Handler> {
  const schedules = engine.schedules;
  const id = (params: Record<string, unknown>): string => params.id as string;
  return {
    listSchedules: async () => ({ status: 200, body: { items: await schedules.list() } }),
    createSchedule: async (call) => {
      const view = await schedules.create(call.body as ScheduleSpec);
      return { status: 201, body: view, headers: { Location: `/v1/schedules/${encodeURIComponent(view.id)}` } };
    },
    getSchedule: async (call) => ({ status: 200, body: await schedules.get(id(call.params)) }),
    replaceSchedule: async (call) => {
      const spec = call.body as ScheduleSpec;
      const path = id(call.params);
      if (spec.id !== undefined && spec.id !== path) {
        throw new ApiError('REQUEST_INVALID', `the body's id "${spec.id}" is not the id of the path "${path}"; a schedule's id cannot change (leave it out, or create a new schedule)`);
      }
      return { status: 200, body: await schedules.replace(path, spec) };
    },
    deleteSchedule: async (call) => {
      await schedules.delete(id(call.params));
      return { status: 204 };
    },
    pauseSchedule: async (call) => ({ status: 200, body: await schedules.pause(id(call.params)) }),
    resumeSchedule: async (call) => ({ status: 200, body: await schedules.resume(id(call.params)) }),
    triggerSchedule: async (call) => ({ status: 200, body: await schedules.trigger(id(call.params)) }),
  };
}
