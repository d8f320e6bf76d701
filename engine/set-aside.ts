/**
 * Poison instances, as the runtime sees them: the tries of an input delivered again after a
 * delivery that did not finish (its engine died, or its transition threw), the mark that sets an
 * instance aside once they are too many, the inputs held while it is, and the retry that applies
 * them again. Only records and history change here: the runtime commits them like any transition.
 */
import type { Json } from '../definitions/model.js';
import { frameAwaiting } from '../core/awaited-frames.js';
import type { EngineInput } from '../core/model.js';
import type { HistoryEvent, InstanceRecord, Redelivery, SetAside } from './store/port.js';

/** Tries of one input, after the delivery that made it suspect, before its instance is set aside. */
export const DEFAULT_SET_ASIDE_AFTER = 3;

/** Where an input came from: the timer or task it consumes, or its type when it carries none. */
export function sourceOf(input: EngineInput, consumed: { timerId?: string; taskId?: string }): string {
  if (consumed.timerId !== undefined) return `timer:${consumed.timerId}`;
  if (consumed.taskId !== undefined) return `task:${consumed.taskId}`;
  return `input:${input.type}`;
}

/** The tries `source` has had so far (0 when the mark is of another input, or there is none). */
export function triesOf(record: InstanceRecord, source: string): number {
  return record.redelivery?.source === source ? record.redelivery.tries : 0;
}

/** The record with one more try of `input` counted (or, when `counted`, the last one's error added). */
export function withTry(record: InstanceRecord, source: string, input: EngineInput, now: number, error?: string, counted = false): InstanceRecord {
  const previous = record.redelivery?.source === source ? record.redelivery : undefined;
  const redelivery: Redelivery = { source, input: input.type, tries: (previous?.tries ?? 0) + (counted ? 0 : 1), since: previous?.since ?? now };
  if (error !== undefined) redelivery.error = error;
  return { ...record, redelivery };
}

/** The record without the mark of `source`: the commit that applies that input clears it. */
export function withoutTry(record: InstanceRecord, source: string): InstanceRecord {
  if (record.redelivery?.source !== source) return record;
  const { redelivery: _applied, ...rest } = record;
  return rest;
}

/** Adds a history event after the run's last one: a new record (its state copied, not changed) and the event. */
function logged(record: InstanceRecord, type: string, details: Json, now: number): { record: InstanceRecord; event: HistoryEvent } {
  const state = record.state;
  const seq = state.seq + 1;
  const event: HistoryEvent = { instanceId: record.id, run: record.run, seq, type, at: now, details };
  return { record: { ...record, updatedAt: now, state: { ...state, seq } }, event };
}

/** The step whose wait `input` answers, when a frame awaits it. */
function stepOf(record: InstanceRecord, input: EngineInput): string | undefined {
  const frames = record.state.frames;
  if (input.type === 'timerFired') return frameAwaiting(frames, 'timer', input.timerId)?.step;
  if ('taskId' in input) return frameAwaiting(frames, 'task', input.taskId)?.step;
  if (input.type === 'childFinished') return frameAwaiting(frames, 'child', input.childId)?.step;
  return undefined;
}

function reasonFor(record: InstanceRecord, input: EngineInput, tries: number, step: string | undefined): string {
  const what = `its ${input.type} input${step === undefined ? '' : ` (step "${step}")`}`;
  const failed = `${what} failed ${tries} ${tries === 1 ? 'try' : 'tries'}`;
  const error = record.redelivery?.error;
  if (error === undefined) return `${failed} after a first delivery that did not finish either: the engine applying it stopped each time (it crashed or was killed)`;
  return tries === 1 ? `applying ${what} threw ${error}` : `${failed}; the last threw ${error}`;
}

/** Sets the instance aside on `input`, after `tries` that did not finish; the input is the first held. */
export function setAside(record: InstanceRecord, input: EngineInput, tries: number, now: number): { record: InstanceRecord; event: HistoryEvent } {
  const step = stepOf(record, input);
  const mark: SetAside = { reason: reasonFor(record, input, tries, step), at: now, tries, input: input.type, held: [input] };
  if (step !== undefined) mark.step = step;
  const { redelivery: _ended, ...rest } = record;
  const details: Json = { reason: mark.reason, tries, input: input.type };
  if (step !== undefined) details.step = step;
  return logged({ ...rest, setAside: mark }, 'InstanceSetAside', details, now);
}

/** Keeps `input` (a timer's, or a task's result or timeout) for the retry, instead of applying it. */
export function hold(record: InstanceRecord, input: EngineInput, now: number): { record: InstanceRecord; event: HistoryEvent } {
  const mark = record.setAside!;
  const held = { ...record, setAside: { ...mark, held: [...mark.held, input] } };
  return logged(held, 'InputHeld', { input: input.type }, now);
}

/** The retry: the mark cleared, and the inputs held, in order, to apply on top. */
export function release(record: InstanceRecord, now: number): { record: InstanceRecord; event: HistoryEvent; inputs: EngineInput[] } {
  const { setAside: mark, redelivery: _none, ...rest } = record;
  const inputs = mark?.held ?? [];
  return { ...logged(rest, 'SetAsideRetried', { held: inputs.length }, now), inputs };
}

/** The record without its marks: a terminated instance is no longer set aside. */
export function withoutMarks(record: InstanceRecord): InstanceRecord {
  const { setAside: _mark, redelivery: _tries, ...rest } = record;
  return rest;
}

/** Why an input other than terminate, retry or one to hold is refused. */
export function refusal(record: InstanceRecord): string {
  return `it is set aside (${record.setAside!.reason}); terminate it, or retry it once the cause is fixed`;
}
