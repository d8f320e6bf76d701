/**
 * The conformance runner on the shared cases of the ASL corpus (executions recorded from AWS
 * Step Functions): every case runs on the engine, and the share that ends as AWS's did must not
 * drop below the rate reached so far, overall and for the JSONata cases.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, runCorpus, tally } from '../../scripts/conformance/conformance.js';
import { CORPUS_DIR, CORPUS_REQUIRED, corpusAbsence } from './corpus/corpus.js';

/**
 * Reached: 344 of 348. The four that differ are the recording's, not the semantics' (see
 * docs/asl.md): LocalStack's recorder wrote fixed words ("date", "snf_role_arn") where AWS
 * gave a time or a role, and nothing a run gives can equal them.
 */
const PASS_RATE_FLOOR = 344 / 348;
const JSONATA_PASS_RATE_FLOOR = 75 / 77;

const absent = corpusAbsence();

describe.skipIf(absent !== null && !CORPUS_REQUIRED)('ASL conformance corpus on the engine', () => {
  it(absent === null ? 'ends the shared cases as AWS did' : `cannot run: ${absent}`, async () => {
    expect(absent, 'the corpus must be present in CI').toBeNull();
    const results = await runCorpus(join(CORPUS_DIR, 'cases'));
    console.log(formatReport(results));
    expect(results.length).toBeGreaterThan(0);
    const all = tally(results);
    expect(all.passed / results.length).toBeGreaterThanOrEqual(PASS_RATE_FLOOR);
    const jsonata = results.filter((r) => r.queryLanguage === 'JSONata');
    expect(tally(jsonata).passed / jsonata.length).toBeGreaterThanOrEqual(JSONATA_PASS_RATE_FLOOR);
  }, 300_000);
});
