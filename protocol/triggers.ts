/** Events in, as the API answers them: what an event did, and the triggers of the workflows. */
import type { Json } from '../definitions/model.js';

/** What an event did: the instances waiting with its key that took it, and what each matching trigger started. */
export interface PublishedEvent {
  event: string;
  delivered: number;
  instances: string[];
  started: TriggerOutcome[];
}

/** A trigger of a workflow, as listed over the API. */
export interface TriggerView {
  workflow: string;
  version: number;
  /** Its place in the workflow's `triggers:`, from 1. */
  trigger: number;
  event: string;
  filter?: string;
  input?: Json;
  id?: string;
}

/** What one trigger that matched made of the event: the instance it started (or had started), or why none. */
export type TriggerOutcome =
  | { workflow: string; version: number; trigger: number; instance: string }
  | { workflow: string; version: number; trigger: number; error: string };
