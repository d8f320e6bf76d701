/**
 * Every state machine of the ASL corpus was accepted by AWS Step Functions, so validation must
 * accept each one without a problem: a finding there is a check stricter than AWS.
 */
import { describe, expect, it } from 'vitest';
import { checkAslDefinition } from '../../definitions/asl/validate.js';
import { formatProblem } from '../../definitions/model.js';
import { CORPUS_REQUIRED, corpusAbsence, loadCases } from './corpus/corpus.js';

const absent = corpusAbsence();

describe.skipIf(absent !== null && !CORPUS_REQUIRED)('validation of the ASL corpus definitions', () => {
  it(absent === null ? 'accepts every definition AWS accepted' : `cannot run: ${absent}`, () => {
    expect(absent, 'the corpus must be present in CI').toBeNull();
    const problems = loadCases().flatMap((c) => checkAslDefinition(JSON.stringify(c.definition, null, 2), `${c.id}.json`).problems.map(formatProblem));
    expect(problems).toEqual([]);
  });
});
