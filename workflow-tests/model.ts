/**
 * A workflow test file as written (YAML or JSON), after it passed its JSON Schema
 * (schemas/workflow-test.schema.json). Field meanings: docs/testing.md.
 */
import type { Json } from '../definitions/model.js';

export interface TestFileDefinition {
  description?: string;
  /** The workflow file under test, relative to the test file. */
  workflow?: string;
  mocks?: MocksDefinition;
  cases: CaseDefinition[];
}

export interface CaseDefinition {
  name: string;
  description?: string;
  input?: Json;
  id?: string;
  /** ISO time the virtual clock starts at. */
  now?: string;
  mocks?: MocksDefinition;
  events?: EventDefinition[];
  stopAfter?: string;
  expect: ExpectDefinition;
}

/** Which answers a call gets: by task type, by step (`step` or `workflow/step`), by compensated step. */
export interface MocksDefinition {
  tasks?: Record<string, MockDefinition>;
  steps?: Record<string, MockDefinition>;
  compensations?: Record<string, MockDefinition>;
}

export type MockDefinition = AnswerDefinition | AnswerDefinition[];

export interface AnswerDefinition {
  output?: Json;
  error?: string;
  message?: string;
  retryable?: boolean;
  response?: { status: number; headers?: Record<string, string>; body?: Json };
  noAnswer?: true;
  after?: string;
  when?: string;
}

export interface EventDefinition {
  event: string;
  payload?: Json;
  key?: string;
  at?: string;
}

export interface ExpectDefinition {
  status?: string;
  output?: Json;
  outputContains?: Json;
  data?: Json;
  error?: string | { error?: string; message?: string; step?: string };
  path?: string[];
  compensations?: string[];
  waitingAt?: string[];
  duration?: string;
  history?: string;
}

/** The three kinds of mock tables, as they are named in a test file. */
export const MOCK_TABLES = ['tasks', 'steps', 'compensations'] as const;
export type MockTable = (typeof MOCK_TABLES)[number];

/** The instance id of a case that gives none. */
export const DEFAULT_INSTANCE_ID = 'test';

/** Where the virtual clock of a case that gives no `now` starts. */
export const DEFAULT_START = Date.parse('2026-01-01T00:00:00Z');

/** What a test file's name ends with; the workflow it tests has the same name without `.test`. */
export const TEST_FILE = /\.test\.(ya?ml|json)$/i;
