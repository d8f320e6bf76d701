/**
 * A test file read and checked: parse (YAML or JSON, with positions) → JSON Schema → the
 * workflows it tests → the checks against them. Every problem is `file:line:column: message`,
 * as a definition's are.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Problem } from '../definitions/model.js';
import { isRecord, valueAt, type Finding, type Path } from '../definitions/messages.js';
import { isWithin } from '../definitions/validate-sound-part.js';
import { toProblems } from '../definitions/validate.js';
import { parseSource, type ParsedSource, type Position } from '../definitions/source.js';
import { testFileFindings } from './checks.js';
import { TEST_FILE, type TestFileDefinition } from './model.js';
import { testSchemaFindings } from './schema-check.js';
import { defaultWorkflowFile, type WorkflowLibrary, type WorkflowSet } from './workflows.js';

export interface TestFile {
  file: string;
  definition: TestFileDefinition;
  workflows: WorkflowSet;
  /** Where a path of the test file is in its text. */
  locate(path: Path, prefer?: 'key' | 'value'): Position;
}

export type LoadedTestFile = { ok: true; test: TestFile } | { ok: false; problems: Problem[] };

export async function loadTestFile(file: string, library: WorkflowLibrary): Promise<LoadedTestFile> {
  const fail = (message: string, line = 1, column = 1): LoadedTestFile => ({ ok: false, problems: [{ file, line, column, message }] });
  if (!TEST_FILE.test(file)) {
    return fail(`${basename(file)} is not a test file: the name of a test file ends in .test.yaml (or .test.yml, .test.json), like order.test.yaml beside order.yaml`);
  }
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => err);
  if (typeof text !== 'string') return fail(`cannot read the file: ${text.code === 'ENOENT' ? 'no such file' : text.message}`);
  const source = parseSource(text, file);
  if (source.value === undefined || source.problems.length > 0) return { ok: false, problems: source.problems };
  if (source.value === null) return fail('the file is empty; a test file needs at least a list of cases');
  const shape = testSchemaFindings(source.value);
  // The checks against the workflow run on what the schema accepted, so that one pass reports
  // a misspelt field and a mock of a step that does not exist together.
  const sound = soundPart(source.value, shape);
  if (sound === undefined) return { ok: false, problems: positioned(shape, file, source) };
  const definition = sound as unknown as TestFileDefinition;
  const workflowFile = typeof definition.workflow === 'string' ? resolve(dirname(file), definition.workflow) : await defaultWorkflowFile(file);
  const problems = positioned(shape, file, source);
  if (workflowFile === undefined) {
    const base = basename(file).replace(TEST_FILE, '');
    return { ok: false, problems: [...problems, problemAt(`no workflow file ${base}.yaml beside this test file; name the file under test with workflow: (relative to this file)`)] };
  }
  const loaded = await library.load(workflowFile);
  if (!loaded.ok) {
    if ('problems' in loaded) return { ok: false, problems: [...problems, ...loaded.problems] };
    return { ok: false, problems: [...problems, problemAt(loaded.message, definition.workflow === undefined ? undefined : source.locate(['workflow']))] };
  }
  const meaning = testFileFindings(definition, loaded.workflows).filter((f) => !shape.some((s) => refuted(f, s)));
  if (shape.length + meaning.length > 0) return { ok: false, problems: positioned([...shape, ...meaning], file, source) };
  return { ok: true, test: { file, definition, workflows: loaded.workflows, locate: source.locate } };

  function problemAt(message: string, at: Position = { line: 1, column: 1 }): Problem {
    return { file, ...at, message };
  }
}

/**
 * A check's finding says nothing more than the schema's: it is inside a value the schema refused,
 * or about a value as a whole one of whose fields the schema refused (that field may be what was meant).
 */
function refuted(meaning: Finding, shape: Finding): boolean {
  if (isWithin(meaning.path, shape.path)) return true;
  return meaning.at !== 'key' && isDeepStrictEqual(shape.path.slice(0, -1), meaning.path);
}

/**
 * A copy of the test file without what the schema refused: a refused field is removed, a
 * refused entry of a list becomes null (the checks pass over it). Undefined when the file's
 * shape itself (the file, or its list of cases) is refused.
 */
function soundPart(value: unknown, shape: readonly Finding[]): unknown {
  if (shape.length === 0) return value;
  if (!isRecord(value) || !Array.isArray(value.cases)) return undefined;
  const copy = structuredClone(value);
  for (const { path } of shape) {
    if (path.length === 0 || (path.length === 1 && path[0] === 'cases')) return undefined;
    const holder = valueAt(copy, path.slice(0, -1));
    const last = path[path.length - 1]!;
    if (Array.isArray(holder) && typeof last === 'number') holder[last] = null;
    else if (isRecord(holder)) delete holder[String(last)];
  }
  return copy;
}

function positioned(findings: readonly Finding[], file: string, source: ParsedSource): Problem[] {
  return toProblems(findings, file, source).sort((a, b) => a.line - b.line || a.column - b.column);
}
