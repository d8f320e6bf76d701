/**
 * The ASL conformance corpus: executions recorded from AWS Step Functions, one JSON file per case
 * under `<corpus>/<category>/`, and how a result is compared with a recording (JSON values, key
 * order aside; the recording's placeholders such as `<uuid:1>` match any text in their place).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../definitions/model.js';

export interface TraceEntry {
  state: string;
  type: string;
  input: Json;
  output?: Json;
  assignedVariables?: Record<string, Json>;
}

export type RecordedTaskResult = { output: Json } | { error: string; cause?: string };

export interface CorpusCase {
  id: string;
  queryLanguage: 'JSONPath' | 'JSONata' | 'mixed';
  features: string[];
  definition: Record<string, Json>;
  input: Json;
  mocks?: Record<string, RecordedTaskResult[]>;
  expected: { status: string; output?: Json; error?: string; cause?: string };
  trace: TraceEntry[];
}

/** Every case under `dir` (a split such as `cases/`), sorted by category, then file. */
export function loadCorpusCases(dir: string): CorpusCase[] {
  if (!existsSync(dir)) throw new Error(`no conformance corpus at ${dir}`);
  const cases: CorpusCase[] = [];
  for (const category of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const file of readdirSync(join(dir, category)).sort()) {
      if (file.endsWith('.json')) cases.push(JSON.parse(readFileSync(join(dir, category, file), 'utf8')) as CorpusCase);
    }
  }
  return cases;
}

const PLACEHOLDER = /<[A-Za-z][A-Za-z0-9_:.-]*>/;
const PLACEHOLDERS = new RegExp(PLACEHOLDER.source, 'g');

/** Whether `actual` matches what AWS recorded. */
export function matchesRecorded(recorded: Json | undefined, actual: Json | undefined): boolean {
  if (typeof recorded === 'string' && PLACEHOLDER.test(recorded)) {
    if (recorded.replace(PLACEHOLDERS, '') === '') return true;
    if (typeof actual !== 'string') return false;
    const pattern = recorded.split(PLACEHOLDERS).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
    return new RegExp(`^${pattern}$`).test(actual);
  }
  if (Array.isArray(recorded)) return Array.isArray(actual) && recorded.length === actual.length && recorded.every((r, i) => matchesRecorded(r, actual[i]));
  if (recorded !== null && typeof recorded === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(recorded);
    return keys.length === Object.keys(actual).length && keys.every((k) => Object.hasOwn(actual, k) && matchesRecorded(recorded[k], actual[k]));
  }
  return recorded === actual;
}
