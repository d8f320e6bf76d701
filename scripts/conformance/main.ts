/**
 * `npm run conformance -- --corpus <dir> [--report <file>]`: runs every case of an ASL
 * conformance corpus split (a folder of categories of case files) on the engine and prints
 * pass / fail / unsupported per category and feature, ending with `N passed, M failed`.
 * `--report` writes a JSON array of `{id, status, output, error, cause}` as Segue ended each case.
 * Exits 1 when a case did not pass.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, reportRows, runCorpus, tally } from './conformance.js';

const { values } = parseArgs({ options: { corpus: { type: 'string' }, report: { type: 'string' } } });
if (values.corpus === undefined) {
  console.error('usage: npm run conformance -- --corpus <dir> [--report <file>]');
  process.exit(2);
}
const results = await runCorpus(values.corpus);
console.log(formatReport(results));
if (values.report !== undefined) writeFileSync(values.report, `${JSON.stringify(reportRows(results), null, 2)}\n`);
const t = tally(results);
process.exit(t.failed + t.unsupported > 0 ? 1 : 0);
