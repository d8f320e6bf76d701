/**
 * The JSON Schema check of an ASL document (schemas/asl.schema.json), with every ajv error turned
 * into a plain-words finding about a state and a field, the way definitions/validate-schema.ts
 * does for Segue's own language.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject } from 'ajv/dist/2020.js';
import schema from '../../schemas/asl.schema.json' with { type: 'json' };
import { didYouMean, hint, isRecord, listWords, quote, showValue, valueAt } from '../messages.js';
import type { Finding, Path } from '../messages.js';
import { STATE_TYPES } from './types.js';
import { aslFieldLabel, aslFinding, aslOwner } from './validate-messages.js';

const root = schema as unknown as AnySchemaObject;
const defs = root.$defs as Record<string, AnySchemaObject>;

// Compiled once per process.
const ajv = new Ajv2020({ allErrors: true, verbose: true, strictTypes: false });
const validateMachine = ajv.compile(root);

/** For each field, the state types that take it. */
const FIELD_TYPES = new Map<string, string[]>();
for (const type of STATE_TYPES) {
  for (const field of Object.keys(defs[`${type.toLowerCase()}State`]!.properties as object)) FIELD_TYPES.set(field, [...(FIELD_TYPES.get(field) ?? []), type]);
}

export function aslSchemaFindings(value: unknown): Finding[] {
  if (validateMachine(value)) return [];
  const errors = (validateMachine.errors ?? []).filter((e) => e.keyword !== 'if' && !(e.keyword === '$ref'));
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const error of errors) {
    const finding = explain(error, value);
    const key = `${finding.path.join('/')}#${finding.at ?? ''}#${finding.message}`;
    if (!seen.has(key)) findings.push(finding);
    seen.add(key);
  }
  return findings;
}

function toPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

/** Array indexes come back as numbers only where the value there is a list. */
function pathIn(value: unknown, pointer: string): Path {
  const raw = toPath(pointer);
  return raw.map((seg, i) => (typeof seg === 'number' && !Array.isArray(valueAt(value, raw.slice(0, i))) ? String(seg) : seg));
}

function explain(error: ErrorObject, value: unknown): Finding {
  const path = pathIn(value, error.instancePath);
  const data = valueAt(value, path);
  const parent = (error.parentSchema ?? {}) as AnySchemaObject;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const owner = aslOwner([...path, field]);
      const message = `${owner.subject ? `${owner.subject}: ` : ''}${unknownField(value, path, field, parent)}`;
      return { path: [...path, field], at: 'key', message, ...(owner.state === undefined ? {} : { step: owner.state }) };
    }
    case 'required': {
      const field = String(error.params.missingProperty);
      const help = hint(descriptionOf(parent.properties?.[field]));
      return aslFinding(path, `is missing ${quote(field)}${help ? `: ${help}` : ''}`);
    }
    case 'type':
      return aslFinding(path, wrongType(data, String(error.params.type)));
    case 'enum': {
      const words = (error.params.allowedValues as unknown[]).map(String);
      const suggestion = typeof data === 'string' ? didYouMean(data, words) : '';
      return aslFinding(path, `is ${showValue(data)}${suggestion}; use one of ${listWords(words)}`);
    }
    case 'const':
      return aslFinding(path, `is ${showValue(data)}, but must be ${showValue(error.params.allowedValue)}`);
    case 'propertyNames':
      return aslFinding(path, 'has a state name that is not 1 to 80 characters long');
    default:
      return aslFinding(path, outOfBounds(data, error, parent));
  }
}

function descriptionOf(node: unknown): string | undefined {
  if (!isRecord(node)) return undefined;
  if (typeof node.description === 'string') return node.description;
  const ref = typeof node.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1] : undefined;
  return ref === undefined ? undefined : descriptionOf(defs[ref]);
}

function unknownField(value: unknown, path: Path, field: string, parent: AnySchemaObject): string {
  const allowed = Object.keys(parent.properties ?? {});
  const holder = valueAt(value, path);
  const owner = aslOwner([...path, field]);
  const type = isRecord(holder) && owner.rel.length === 1 ? holder.Type : undefined;
  const suggestion = didYouMean(field, allowed);
  if (typeof type === 'string' && suggestion === '' && FIELD_TYPES.has(field)) {
    const takers = FIELD_TYPES.get(field)!;
    return `a ${type} state has no ${quote(field)}; ${takers.length <= 3 ? `that is a field of ${listWords(takers)} states` : 'other state types take it'}`;
  }
  const where = owner.rel.length > 1 ? ` in ${aslFieldLabel(owner.rel.slice(0, -1))}` : '';
  return `unknown field ${quote(field)}${where}${suggestion || `; the fields are ${listWords(allowed, 'and')}`}`;
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map of fields',
  array: 'a list',
  null: 'null',
};

function wrongType(data: unknown, expected: string): string {
  const nouns = expected.split(',').map((t) => TYPE_NOUNS[t] ?? t);
  const noun = listWords(nouns);
  if (data === null || data === undefined) return `is empty; it must be ${noun}`;
  if (typeof data === 'string' && (expected.includes('number') || expected.includes('integer')) && Number.isFinite(Number(data))) {
    return `must be ${noun}, not the text ${quote(data)}; remove the quotes`;
  }
  if (expected.includes('integer') && typeof data === 'number') return `is ${data}; it must be a whole number`;
  return `must be ${noun}, not ${showValue(data)}`;
}

function outOfBounds(data: unknown, error: ErrorObject, parent: AnySchemaObject): string {
  const limit = error.params.limit as number;
  switch (error.keyword) {
    case 'minimum':
      return `is ${showValue(data)}; it must be ${limit} or more`;
    case 'maximum':
      return `is ${showValue(data)}; it must be ${limit} or less`;
    case 'minLength':
      return 'is empty';
    case 'maxLength':
      return `is longer than the ${limit} characters it may have`;
    case 'minItems':
      return 'is an empty list; add at least one entry';
    case 'minProperties':
      return 'is empty; add at least one state';
    default: {
      const help = hint(parent.description as string | undefined);
      return `is not valid here${help ? `; it must be ${help}` : ''}`;
    }
  }
}
