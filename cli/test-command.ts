/**
 * `segue test [file|folder…]`: runs workflow test files (`*.test.yaml`) offline, on the in-memory
 * store with a virtual clock; one line per case, exit 0 only when every case passed.
 */
import { writeFile } from 'node:fs/promises';
import { junitXml } from '../workflow-tests/report-junit.js';
import { textReporter } from '../workflow-tests/report-text.js';
import { allPassed, runTestFiles } from '../workflow-tests/runner.js';
import { parseOptions, UsageError, type Command } from './args.js';
import { testFiles } from './definition-files.js';

export const testCommand: Command = {
  summary: 'run workflow test files (*.test.yaml) offline on a virtual clock; exit 0 when every case passes',
  usage: 'segue test [file|folder…] [--workflows <dir>]… [--junit <file>] [--update]',
  details: [
    'A folder stands for the test files directly in it; without arguments, the current folder.',
    'A test file order.test.yaml tests order.yaml beside it (or the file its workflow: names); the',
    'workflows its workflow steps call are found by name in the same folder. Every case runs on its',
    'own in-memory engine with a virtual clock: timers, timeouts and retries take no real time, and',
    'every task and HTTP call is answered by the mocks (a test makes no request). See docs/testing.md.',
    '',
    'options:',
    '  --workflows <dir>  another folder where called workflows are looked for (repeatable)',
    '  --junit <file>     also write the results as JUnit XML, for CI',
    '  --update           write the history files of cases with expect.history instead of comparing',
    '',
    'Exit status: 0 when every case passed, 1 when a case failed or a test file has problems, 2 for',
    'wrong arguments.',
    '',
  ].join('\n'),
  run: async (argv) => {
    const { values, positionals } = parseOptions(argv, {
      workflows: { type: 'string', multiple: true },
      junit: { type: 'string' },
      update: { type: 'boolean' },
    });
    const files: string[] = [];
    for (const path of positionals.length > 0 ? positionals : ['.']) files.push(...(await testFiles(path)));
    if (files.length === 0) throw new UsageError('name at least one test file');
    const reporter = textReporter((text) => process.stdout.write(text));
    const results = await runTestFiles(files, { workflows: values.workflows ?? [], update: values.update === true }, reporter);
    reporter.summary(results);
    if (values.junit !== undefined) await writeFile(values.junit, junitXml(results));
    return allPassed(results) ? 0 : 1;
  },
};
