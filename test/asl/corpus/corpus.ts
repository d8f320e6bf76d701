/**
 * The ASL conformance corpus (executions recorded from AWS Step Functions), read from beside the
 * repository: `../shared/conformance/asl`. It is test data and never copied into the repository.
 * Where it is absent the tests that need it are skipped with that reason, except in CI, where
 * its absence is a failure.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '../../../definitions/model.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const CORPUS_DIR = resolve(REPO_ROOT, '..', 'shared', 'conformance', 'asl');

export interface TraceEntry {
  state: string;
  type: string;
  input: Json;
  output?: Json;
  assignedVariables?: Record<string, Json>;
}

export interface CorpusCase {
  id: string;
  queryLanguage: 'JSONPath' | 'JSONata' | 'mixed';
  features: string[];
  definition: Record<string, Json>;
  input: Json;
  mocks?: Record<string, ({ output: Json } | { error: string; cause?: string })[]>;
  expected: { status: string; output?: Json; error?: string; cause?: string };
  trace: TraceEntry[];
}

/** Why the corpus cannot be used here, or null when it can. */
export function corpusAbsence(): string | null {
  return existsSync(join(CORPUS_DIR, 'cases')) ? null : `the ASL conformance corpus is not at ${CORPUS_DIR}`;
}

/** True when the corpus-driven tests must run (CI), so an absent corpus fails instead of skipping. */
export const CORPUS_REQUIRED = process.env.CI === 'true';

/** Every case of the shared split (`cases/`), sorted by id. */
export function loadCases(): CorpusCase[] {
  const dir = join(CORPUS_DIR, 'cases');
  const cases: CorpusCase[] = [];
  for (const category of readdirSync(dir).sort()) {
    for (const file of readdirSync(join(dir, category)).sort()) {
      if (file.endsWith('.json')) cases.push(JSON.parse(readFileSync(join(dir, category, file), 'utf8')) as CorpusCase);
    }
  }
  return cases;
}

const PLACEHOLDER = /<[A-Za-z][A-Za-z0-9_:.-]*>/;
const PLACEHOLDERS = new RegExp(PLACEHOLDER.source, 'g');

/**
 * Whether `actual` matches what AWS recorded: JSON values compared as values (key order aside),
 * the recording's placeholders (`<uuid:1>`, `arn:<partition>:…`) matching any text in their place.
 */
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
