/**
 * Event triggers (`triggers:` of a workflow file): which workflows an event starts, with what
 * input and under what instance id. The id is what makes a start happen once: made of the
 * workflow, the trigger's place and the event's id (or built by the trigger's `id`), it is the
 * same however often the event is sent and whichever engine receives it, and the store creates an
 * instance of a given id once.
 */
import { createHash } from 'node:crypto';
import { EvaluationBudget, type ExpressionScope } from '../definitions/expression-budget.js';
import type { ExpressionLimits, ExpressionIsolate } from '../definitions/expression-budget.js';
import type { Json, Plan, PlanTrigger } from '../definitions/model.js';
import { truthy } from '../core/steps/choice.js';
import type { TriggerOutcome, TriggerView } from '../protocol/triggers.js';

/** An event as triggers see it: the fields of a CloudEvent that matter here, and its data. */
export interface IncomingEvent {
  /** The event's name: the path's, a CloudEvent's `type`. */
  type: string;
  id: string;
  source?: string;
  subject?: string;
  time?: string;
  /** The correlation key: instances waiting on the event with it take it. */
  key?: string;
  data: Json;
}

/** What a trigger that matched asks to start. */
export interface TriggeredStart {
  plan: Plan;
  trigger: number;
  id: string;
  input: Json;
}

/** Instance ids the API takes (start-instance-request.json). */
const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,200}$/;
/** Event ids longer than this, or with other characters, are put in the default instance id as their digest. */
const EVENT_ID_KEPT = /^[A-Za-z0-9._:-]{1,100}$/;

export function triggerViews(plan: Plan): TriggerView[] {
  const written = (plan.definition.triggers ?? []) as unknown as Pick<TriggerView, 'event' | 'filter' | 'input' | 'id'>[];
  return written.map((t, i) => ({ workflow: plan.name, version: plan.version, trigger: i + 1, ...t }));
}

/** The instance id a trigger without `id` starts for an event: the same for every delivery of it. */
export function defaultInstanceId(workflow: string, trigger: number, eventId: string): string {
  const event = EVENT_ID_KEPT.test(eventId) ? eventId : `sha256-${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
  return `${workflow}:${trigger}:${event}`;
}

/**
 * The starts the triggers of `plan` on `event.type` ask for (a trigger whose filter is false asks
 * none); a trigger whose expression fails, or whose id is not one an instance can have, gives its
 * error instead.
 */
export async function matchTriggers(plan: Plan, event: IncomingEvent, scope: () => ExpressionScope): Promise<(TriggeredStart | TriggerOutcome)[]> {
  const found: (TriggeredStart | TriggerOutcome)[] = [];
  const seen = eventData(event);
  for (const [i, trigger] of plan.triggers.entries()) {
    if (trigger.event !== event.type) continue;
    const number = i + 1;
    try {
      const start = await evaluateTrigger(plan, trigger, number, event, seen, scope);
      if (start) found.push(start);
    } catch (err) {
      found.push({ workflow: plan.name, version: plan.version, trigger: number, error: errorText(err) });
    }
  }
  return found;
}

async function evaluateTrigger(
  plan: Plan,
  trigger: PlanTrigger,
  number: number,
  event: IncomingEvent,
  seen: Json,
  scope: () => ExpressionScope,
): Promise<TriggeredStart | undefined> {
  if (trigger.filter && !truthy(await trigger.filter.evaluate(seen, scope()))) return undefined;
  const input = trigger.input ? await trigger.input.evaluate(seen, scope()) : event.data;
  const id = trigger.id ? await trigger.id.evaluate(seen, scope()) : defaultInstanceId(plan.name, number, event.id);
  if (typeof id !== 'string' || !INSTANCE_ID.test(id)) {
    throw new Error(`its id gave ${JSON.stringify(id)?.slice(0, 60)}, which is not an instance id (1 to 200 letters, digits, '.', '_', ':', '-')`);
  }
  return { plan, trigger: number, id, input };
}

/** What the expressions of a trigger see: the event's fields, those it has. */
function eventData(event: IncomingEvent): Json {
  const seen: Record<string, Json> = { id: event.id, type: event.type, data: event.data };
  for (const field of ['source', 'subject', 'time', 'key'] as const) {
    if (event[field] !== undefined) seen[field] = event[field];
  }
  return seen;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A scope for the triggers' expressions: the engine's limits and isolate, no bindings. */
export function triggerScope(limits: ExpressionLimits, isolate: ExpressionIsolate, now: number): ExpressionScope {
  return { bindings: {}, now, budget: new EvaluationBudget(limits, isolate) };
}
