/**
 * The ASL conformance corpus (executions recorded from AWS Step Functions), read from beside the
 * repository: `../shared/conformance/asl`. It is test data and never copied into the repository.
 * Where it is absent the tests that need it are skipped with that reason, except in CI, where
 * its absence is a failure.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpusCases, type CorpusCase } from '../../../scripts/conformance/corpus.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const CORPUS_DIR = resolve(REPO_ROOT, '..', 'shared', 'conformance', 'asl');

export type { CorpusCase, TraceEntry } from '../../../scripts/conformance/corpus.js';
export { matchesRecorded } from '../../../scripts/conformance/corpus.js';

/** Why the corpus cannot be used here, or null when it can. */
export function corpusAbsence(): string | null {
  return existsSync(join(CORPUS_DIR, 'cases')) ? null : `the ASL conformance corpus is not at ${CORPUS_DIR}`;
}

/** True when the corpus-driven tests must run (CI), so an absent corpus fails instead of skipping. */
export const CORPUS_REQUIRED = process.env.CI === 'true';

/** Every case of the shared split (`cases/`), sorted by id. */
export function loadCases(): CorpusCase[] {
  return loadCorpusCases(join(CORPUS_DIR, 'cases'));
}
