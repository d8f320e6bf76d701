/**
 * Golden history files: the history of a case's instance (every run) as it must be, one event
 * a line so that a change shows as a readable diff in review. `segue test --update` writes them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Json } from '../definitions/model.js';
import type { HistoryView } from '../protocol/instances.js';

export type GoldenEvent = HistoryView & { run: number };

export function goldenText(events: readonly GoldenEvent[]): string {
  return `[\n${events.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;
}

export async function writeGolden(file: string, events: readonly GoldenEvent[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, goldenText(events));
}

/** What differs between the golden file and the history, in a sentence; undefined when nothing does. */
export async function compareGolden(file: string, shown: string, events: readonly GoldenEvent[]): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return `the history file ${shown} does not exist yet; run segue test --update to write it`;
  let expected: Json;
  try {
    expected = JSON.parse(text) as Json;
  } catch {
    return `${shown} is not valid JSON; run segue test --update to write it again`;
  }
  if (!Array.isArray(expected)) return `${shown} does not hold a list of events; run segue test --update to write it again`;
  const actual = JSON.parse(JSON.stringify(events)) as Json[];
  const i = expected.findIndex((e, n) => !isDeepStrictEqual(e, actual[n]));
  if (i < 0 && expected.length === actual.length) return undefined;
  const first = i < 0 ? expected.length : i;
  const was = expected[first] === undefined ? 'nothing more' : JSON.stringify(expected[first]);
  const now = actual[first] === undefined ? 'nothing more' : JSON.stringify(actual[first]);
  return `the history differs from ${shown} at event ${first + 1} of ${actual.length}: the file has ${was}, the run ${now} (run segue test --update to accept the new history)`;
}
