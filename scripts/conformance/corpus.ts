/**
 * The ASL conformance corpus: executions recorded from AWS Step Functions, one JSON file per case
 * under `<corpus>/<category>/`, and how a result is compared with a recording (JSON values, key
 * order aside; the recording's placeholders such as `<uuid:1>` match any text in their place).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
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

/**
 * A held-out split gives each expected leaf only as `#sha256:<24 hex>` of
 * `"asl-holdout:" + JSON.stringify(value)`, so it can be scored without being read.
 */
const HASHED = /^#sha256:([0-9a-f]{24})$/;

function hashedLeaf(value: Json | undefined): string {
  return createHash('sha256').update(`asl-holdout:${JSON.stringify(value)}`).digest('hex').slice(0, 24);
}

/** Whether `actual` matches what AWS recorded (in clear, or hashed leaf by leaf). */
export function matchesRecorded(recorded: Json | undefined, actual: Json | undefined): boolean {
  const hashed = typeof recorded === 'string' ? HASHED.exec(recorded) : null;
  if (hashed) return actual !== undefined && (actual === null || typeof actual !== 'object') && hashedLeaf(actual) === hashed[1];
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
