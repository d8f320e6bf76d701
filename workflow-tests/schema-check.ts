/**
 * The JSON Schema check of a test file (schemas/workflow-test.schema.json), with every ajv error
 * turned into a plain-words finding about a case and a field, worded as definitions' are.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import schema from '../schemas/workflow-test.schema.json' with { type: 'json' };
import { DURATION_ADVICE, about, didYouMean, fieldLabel, hint, isRecord, listWords, quote, showValue, valueAt } from '../definitions/messages.js';
import type { Finding, Owner, Path } from '../definitions/messages.js';
import { dedupe, descriptionOf, toPath } from '../definitions/validate-schema.js';

const defs = (schema as unknown as AnySchemaObject).$defs as Record<string, AnySchemaObject>;

// Compiled once per process.
const ajv = new Ajv2020({ allErrors: true, verbose: true, strictTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateTestFile = ajv.compile(schema);

/** Findings for everything the schema refuses; empty when the test file passes it. */
export function testSchemaFindings(value: unknown): Finding[] {
  if (validateTestFile(value)) return [];
  return dedupe(validateTestFile.errors ?? []).map((error) => explain(error, value));
}

/** Who a path is about: the case holding it (`case "declined card"`), or the test file. */
export function caseOwner(root: unknown, path: Path): Owner {
  if (path[0] !== 'cases' || typeof path[1] !== 'number') return { subject: '', node: root, rel: path };
  const node = valueAt(root, path.slice(0, 2));
  const name = isRecord(node) && typeof node.name === 'string' && node.name !== '' ? node.name : undefined;
  return { subject: name === undefined ? `case number ${path[1] + 1}` : `case ${quote(name)}`, node, rel: path.slice(2) };
}

function explain(error: ErrorObject, value: unknown): Finding {
  const path = toPath(error.instancePath, value);
  const owner = caseOwner(value, path);
  const data = valueAt(value, path);
  const parent = (error.parentSchema ?? {}) as AnySchemaObject;
  const at = (message: string, where: Path = path, key = false): Finding => ({ path: where, message, ...(key ? { at: 'key' as const } : {}) });
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      return at(unknownField(owner, field, parent), [...path, field], true);
    }
    case 'required': {
      const field = String(error.params.missingProperty);
      const help = hint(descriptionOf(parent.properties?.[field], defs));
      return at(about(owner, `is missing ${quote(field)}${help ? `: ${help}` : ''}`));
    }
    case 'type':
      return at(about(owner, wrongType(data, error.params.type as string | string[])));
    case 'pattern':
      return at(about(owner, parent === defs.duration ? `is ${showValue(data)}, which is not a duration; ${DURATION_ADVICE}` : `is ${showValue(data)}; the name of a history file ends in .json, like declined.history.json`));
    case 'enum': {
      const words = (error.params.allowedValues as unknown[]).map(String);
      return at(about(owner, `is ${showValue(data)}, which is not a status${typeof data === 'string' ? didYouMean(data, words) : ''}; use one of ${listWords(words)}`));
    }
    case 'const':
      return at(about(owner, 'can only be true (the worker never answers); leave it out otherwise'));
    case 'format':
      return at(about(owner, `is ${showValue(data)}, which is not a time; write it like 2026-03-02T09:00:00Z`));
    case 'minItems':
      return at(about(owner, `is an empty list; ${path[path.length - 1] === 'cases' ? 'add at least one case' : 'give at least one answer'}`));
    case 'minLength':
      return at(about(owner, 'is empty'));
    case 'minimum':
    case 'maximum':
      return at(about(owner, `is ${showValue(data)}; an HTTP status is from 100 to 599`));
    default:
      return at(about(owner, `is not valid here${hint(parent.description as string | undefined) ? `; it must be ${hint(parent.description as string)}` : ''}`));
  }
}

function unknownField(owner: Owner, field: string, parent: AnySchemaObject): string {
  const allowed = Object.keys(parent.properties ?? {}).filter((k) => k !== '$schema');
  const suggestion = didYouMean(field, allowed);
  const rest = suggestion || `; it takes ${listWords(allowed.map(quote), 'and')}`;
  if (owner.rel.length > 0) return `${owner.subject ? `${owner.subject}: ` : ''}${fieldLabel(owner.node, owner.rel)} has no field ${quote(field)}${rest}`;
  return `${owner.subject || 'the test file'} has no field ${quote(field)}${rest}`;
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'text',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  object: 'a map of fields',
  array: 'a list',
};

function wrongType(data: unknown, expected: string | string[]): string {
  const nouns = (Array.isArray(expected) ? expected : [expected]).map((t) => TYPE_NOUNS[t] ?? t);
  if (data === null || data === undefined) return `is empty; it must be ${listWords(nouns)}`;
  return `must be ${listWords(nouns)}, not ${showValue(data)}`;
}
