/**
 * The workflow's `input` must itself be a JSON Schema (draft 2020-12) that can be compiled:
 * start inputs are checked against it, so a typo in it would otherwise surface only at start.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { didYouMean, isRecord, listWords, quote, showValue, slowRegexMessage } from './messages.js';
import { regexCost } from './regex-analysis.js';
import type { Finding, Path } from './messages.js';

// Unknown keywords are refused (strictSchema): a misspelt "requried" would silently check nothing.
// addUsedSchema: false keeps a definition's `$id` out of the instance's registry, so the same
// `$id` can be checked again (and by other definitions).
const ajv = new Ajv2020({ allErrors: true, strictTypes: false, strictTuples: false, strictRequired: false, addUsedSchema: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const KEYWORDS = Object.keys(ajv.RULES.all);
const FORMATS = Object.keys(ajv.formats);
const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);
const PREFIX = '"input" is not a valid JSON Schema: ';
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

export function inputSchemaFindings(schema: unknown): Finding[] {
  if (!isRecord(schema)) return [];
  try {
    if (schema.$schema !== undefined && !knownDraft(schema.$schema)) {
      const message = `${PREFIX}"$schema" names a JSON Schema version Segue does not read; remove it, or write ${quote(DRAFT_2020_12)}`;
      return [{ path: ['input', '$schema'], message }];
    }
    if (!ajv.validateSchema(schema)) return [metaSchemaFinding(schema, ajv.errors ?? [])];
    const slow = slowPatterns(schema, ['input']);
    if (slow.length > 0) return slow;
  } catch (err) {
    return [compileFinding(schema, (err as Error).message)];
  }
  try {
    ajv.compile(schema);
    return [];
  } catch (err) {
    return [compileFinding(schema, (err as Error).message)];
  } finally {
    // Each definition brings its own schema: do not let them pile up in the shared instance.
    // ($id is a string or absent here: validateSchema refused anything else.)
    ajv.removeSchema(schema);
  }
}

/** Keywords whose values are data, not schemas: a "pattern" inside them is not a regular expression. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

/**
 * Patterns that can take exponential time on some inputs (`^(a+)+$`, `^(a|a)*$`): start inputs are
 * checked against them, and a regular expression cannot be stopped once it runs, so one such input
 * would hold the engine for seconds or more. (Invalid patterns are left to ajv's own message.)
 */
function slowPatterns(node: unknown, path: Path): Finding[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => slowPatterns(item, [...path, i]));
  if (!isRecord(node)) return [];
  const found: Finding[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (DATA_KEYWORDS.has(key)) continue;
    if (key === 'pattern' && typeof value === 'string') {
      const slow = slowPattern([...path, key], value);
      if (slow) found.push(slow);
    }
    if (key === 'patternProperties' && isRecord(value)) {
      for (const source of Object.keys(value)) {
        const slow = slowPattern([...path, key, source], source);
        if (slow) found.push({ ...slow, at: 'key' });
      }
    }
    found.push(...slowPatterns(value, [...path, key]));
  }
  return found;
}

function slowPattern(path: Path, source: string): Finding | undefined {
  let cost;
  try {
    cost = regexCost(source, 'u'); // ajv compiles patterns with the u flag
  } catch {
    return undefined;
  }
  return cost.exponential ? { path, message: `${PREFIX}the pattern ${quote(source)} ${slowRegexMessage(cost.character)}` } : undefined;
}

function knownDraft(uri: unknown): boolean {
  return typeof uri === 'string' && ajv.getSchema(uri) !== undefined;
}

/** The deepest error says the most; the anyOf/oneOf wrappers around it say nothing new. */
function metaSchemaFinding(schema: Record<string, unknown>, errors: readonly ErrorObject[]): Finding {
  const candidates = errors.filter((e) => !COMBINATORS.has(e.keyword));
  const depth = (e: ErrorObject): number => e.instancePath.split('/').length + (e.keyword === 'enum' ? 0.5 : 0);
  const error = [...candidates].sort((a, b) => depth(b) - depth(a))[0];
  if (error === undefined) return { path: ['input'], message: `${PREFIX}check it against the JSON Schema keywords` };
  const rel = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const keyPath = rel.filter((seg) => !/^\d+$/.test(seg));
  const key = keyPath[keyPath.length - 1] ?? 'input';
  const value = valueIn(schema, rel);
  const path: Path = ['input', ...rel.map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg))];
  if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues as unknown[]).map(String);
    const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : '';
    return { path, message: `${PREFIX}${quote(key)} is ${showValue(value)}${suggestion}; use one of ${listWords(allowed)}` };
  }
  if (error.keyword === 'type') {
    const expected = String(error.params.type);
    const noun = expected === 'array' ? 'a list' : expected === 'object' ? 'a map of fields' : expected === 'string' ? 'text' : `a ${expected}`;
    return { path, message: `${PREFIX}${quote(key)} must be ${noun}, not ${showValue(value)}` };
  }
  return { path, message: `${PREFIX}${quote(key)} has a value JSON Schema does not accept` };
}

function compileFinding(schema: Record<string, unknown>, detail: string): Finding {
  const keyword = /unknown keyword: "(.+?)"/.exec(detail)?.[1];
  if (keyword !== undefined) {
    const at = findKey(schema, (k) => k === keyword) ?? [];
    return { path: ['input', ...at], at: 'key', message: `${PREFIX}unknown keyword ${quote(keyword)}${didYouMean(keyword, KEYWORDS)}` };
  }
  const format = /unknown format "(.+?)" ignored in schema at path "#(.*)"/.exec(detail);
  if (format) {
    const at = format[2]!.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const known = didYouMean(format[1]!, FORMATS) || `; known formats include ${listWords(['date', 'date-time', 'email', 'uri', 'uuid'])}`;
    return { path: ['input', ...at, 'format'], message: `${PREFIX}unknown format ${quote(format[1]!)}${known}` };
  }
  const ref = /can't resolve reference (.+?) from id/.exec(detail)?.[1];
  if (ref !== undefined) {
    const at = findKey(schema, (k, v) => k === '$ref' && v === ref) ?? [];
    return { path: ['input', ...at], message: `${PREFIX}the reference ${quote(ref)} points to nothing; define it under $defs, or keep the schema self-contained` };
  }
  return { path: ['input'], message: `${PREFIX}check it against the JSON Schema 2020-12 keywords` };
}

function valueIn(node: unknown, rel: readonly string[]): unknown {
  let current = node;
  for (const seg of rel) {
    if (Array.isArray(current)) current = current[Number(seg)];
    else if (isRecord(current)) current = current[seg];
    else return undefined;
  }
  return current;
}

/** Path of the first key (depth first) that `match` accepts. */
function findKey(node: unknown, match: (key: string, value: unknown) => boolean, path: Path = []): Path | undefined {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i += 1) {
      const found = findKey(node[i], match, [...path, i]);
      if (found) return found;
    }
  } else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (match(key, value)) return [...path, key];
      const found = findKey(value, match, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
