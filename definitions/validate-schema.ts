/**
 * The JSON Schema check of a definition, with every ajv error turned into a plain-words finding
 * about a step and a field. ajv's own texts ("must have required property …") never reach people.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import schema from '../schemas/workflow.schema.json' with { type: 'json' };
import {
  DURATION_ADVICE,
  about,
  didYouMean,
  fieldLabel,
  hint,
  isRecord,
  listWords,
  ownerOf,
  prefix,
  quote,
  showValue,
  valueAt,
} from './messages.js';
import type { Finding, Owner, Path } from './messages.js';

type SchemaNode = AnySchemaObject;

const root = schema as unknown as SchemaNode;
const defs = root.$defs as Record<string, SchemaNode>;

// Compiled once per process: checkDefinition only runs the compiled functions.
const ajv = new Ajv2020({ allErrors: true, verbose: true, strictTypes: false });
const validateWorkflow = ajv.compile(root);
const compensationBranches: Record<'task' | 'url', ValidateFunction> = {
  task: ajv.getSchema(`${root.$id}#/$defs/compensationTask`)!,
  url: ajv.getSchema(`${root.$id}#/$defs/compensationHttp`)!,
};

/** The step types, and for each field the step types that take it. */
export const STEP_TYPES: readonly string[] = defs.stepType!.enum as string[];
const FIELD_TYPES = new Map<string, string[]>();
for (const type of STEP_TYPES) {
  for (const field of Object.keys(defs[`${type}Step`]!.properties as object)) {
    FIELD_TYPES.set(field, [...(FIELD_TYPES.get(field) ?? []), type]);
  }
}

/** Findings for everything the JSON Schema refuses; empty when the definition passes it. */
export function schemaFindings(value: unknown): Finding[] {
  if (validateWorkflow(value)) return [];
  return translate(validateWorkflow.errors ?? [], value);
}

function translate(errors: readonly ErrorObject[], value: unknown): Finding[] {
  const findings: Finding[] = [];
  let remaining = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  for (const error of errors) {
    if (error.keyword !== 'oneOf') continue;
    const handled = ONE_OF_HANDLERS.find((h) => h.oneOf === error.schema);
    if (handled === undefined) continue;
    const path = toPath(error.instancePath, value);
    remaining = remaining.filter((e) => e !== error && !handled.owns(e, error.instancePath));
    findings.push(...handled.explain(value, path));
  }
  for (const error of dedupe(remaining)) findings.push(explain(error, value));
  return findings;
}

/** One finding per place: several keywords refusing the same value would say the same thing. */
export function dedupe(errors: readonly ErrorObject[]): ErrorObject[] {
  const byKey = new Map<string, ErrorObject>();
  for (const error of errors) {
    const key = errorKey(error);
    const seen = byKey.get(key);
    if (seen === undefined || (error.keyword === 'type' && seen.keyword !== 'type')) byKey.set(key, error);
  }
  return [...byKey.values()];
}

function errorKey(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${error.params.additionalProperty}#field`;
  if (error.keyword === 'required') return `${error.instancePath}#missing:${error.params.missingProperty}`;
  if (error.propertyName !== undefined) return `${error.instancePath}#key:${error.propertyName}`;
  return `${error.instancePath}#value`;
}

/** An ajv instance path (a JSON pointer) as a Path into `value`: list indexes as numbers. */
export function toPath(pointer: string, value: unknown): Path {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path.push(Array.isArray(valueAt(value, path)) ? Number(seg) : seg);
  }
  return path;
}

function explain(error: ErrorObject, value: unknown): Finding {
  const path = toPath(error.instancePath, value);
  const owner = ownerOf(value, path);
  const finding = (message: string, at: Path = path, where: 'key' | 'value' = 'value'): Finding => ({
    path: at,
    at: where,
    message,
    ...(owner.step === undefined ? {} : { step: owner.step }),
  });
  const data = valueAt(value, path);
  const parent = error.parentSchema ?? {};
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      return finding(unknownField(owner, field, parent), [...path, field], 'key');
    }
    case 'required': {
      const field = String(error.params.missingProperty);
      const help = hint(descriptionOf(parent.properties?.[field]));
      return finding(about(owner, `is missing ${quote(field)}${help ? `: ${help}` : ''}`));
    }
    case 'type':
      return finding(wrongType(owner, data, String(error.params.type), parent));
    case 'pattern':
      if (error.propertyName !== undefined) {
        const key = error.propertyName;
        return finding(`${prefix(owner)}${quote(key)} in ${fieldLabel(owner.node, owner.rel)} is not a dotted path; write keys like order.total`, [...path, key], 'key');
      }
      return finding(badPattern(owner, data, parent));
    case 'enum':
      return finding(notAllowed(owner, data, error.params.allowedValues as unknown[], parent));
    default:
      return finding(outOfBounds(owner, data, error));
  }
}

/** The description of a schema node, or of the definition its `$ref` names (in `within`). */
export function descriptionOf(node: unknown, within: Record<string, SchemaNode> = defs): string | undefined {
  if (!isRecord(node)) return undefined;
  if (typeof node.description === 'string') return node.description;
  const ref = typeof node.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1] : undefined;
  return ref === undefined ? undefined : descriptionOf(within[ref], within);
}

function unknownField(owner: Owner, field: string, parent: SchemaNode): string {
  const allowed = Object.keys(parent.properties ?? {}).filter((k) => k !== '$schema');
  const stepType = owner.rel.length === 0 && isRecord(owner.node) ? owner.node.type : undefined;
  const otherTypes = FIELD_TYPES.get(field);
  if (owner.subject && typeof stepType === 'string' && otherTypes !== undefined) {
    const why = ENDS[stepType] ?? (RESULT_FIELDS.has(field) ? 'it has no result to store' : undefined) ?? (otherTypes.length <= 3 ? `that is a field of ${listWords(otherTypes)} steps` : 'other step types take it');
    return `${prefix(owner)}a ${stepType} step has no ${quote(field)}; ${why}`;
  }
  const suggestion = didYouMean(field, allowed);
  if (owner.rel.length > 0) {
    const label = fieldLabel(owner.node, owner.rel);
    return `${prefix(owner)}${label} has no field ${quote(field)}${suggestion || `; it takes ${listWords(allowed, 'and')}`}`;
  }
  if (suggestion) return `${prefix(owner)}unknown field ${quote(field)}${suggestion}`;
  const holder = typeof stepType === 'string' ? `a ${stepType} step` : 'a workflow';
  return `${prefix(owner)}unknown field ${quote(field)}; ${holder} takes ${listWords(allowed, 'and')}`;
}

/** Why the steps that end a run take no `next` (nor anything else of other step types). */
const ENDS: Record<string, string> = {
  succeed: 'it ends the workflow (or its branch or item) successfully',
  fail: 'it ends the workflow as failed',
  continue: 'it starts the workflow over with fresh history',
};

const RESULT_FIELDS = new Set(['output', 'result']);

const TYPE_NOUNS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map of fields',
  array: 'a list',
};

function wrongType(owner: Owner, data: unknown, expected: string, parent: SchemaNode): string {
  if (parent === defs.duration) return about(owner, `is ${showValue(data)}, which is not a duration; ${DURATION_ADVICE}`);
  const noun = TYPE_NOUNS[expected] ?? expected;
  if (data === null || data === undefined) return about(owner, `is empty; it must be ${noun}`);
  if (typeof data === 'string' && looksLike(data, expected)) {
    return about(owner, `must be ${noun}, not the text ${quote(data)}; remove the quotes`);
  }
  if (expected === 'integer' && typeof data === 'number') return about(owner, `is ${data}; it must be a whole number`);
  if (owner.rel.length === 0 && owner.subject) return about(owner, `must be a map of fields like name: and type:, not ${showValue(data)}`);
  return about(owner, `must be ${noun}, not ${showValue(data)}${listAdvice(owner, expected, data)}`);
}

/** The usual slips when a list is expected: one name without brackets, or a rule without "- ". */
function listAdvice(owner: Owner, expected: string, data: unknown): string {
  if (expected !== 'array') return '';
  const last = owner.rel[owner.rel.length - 1];
  if (typeof data === 'string' && (last === 'errors' || last === 'nonRetryable')) return `; write it as a list, like [${data}]`;
  return isRecord(data) ? '; start each entry with "- "' : '';
}

function looksLike(text: string, expected: string): boolean {
  if (expected === 'boolean') return text === 'true' || text === 'false';
  if (expected === 'integer' || expected === 'number') return text.trim() !== '' && Number.isFinite(Number(text));
  return false;
}

function badPattern(owner: Owner, data: unknown, parent: SchemaNode): string {
  const shown = showValue(data);
  if (parent === defs.duration) return about(owner, `is ${shown}, which is not a duration; ${DURATION_ADVICE}`);
  if (parent === defs.workflowName) {
    return about(owner, `is ${shown}; a workflow name may only use letters, digits, "-", "_" and "."`);
  }
  if (parent === defs.stepName && owner.rel.length === 1) {
    return `${prefix(owner)}the name may only use letters, digits, spaces, "-", "_" and ".", and cannot start or end with a space`;
  }
  if (parent === defs.stepName || parent === defs.target) {
    return about(owner, `is ${shown}; a step name may only use letters, digits, spaces, "-", "_" and ".", and cannot start or end with a space`);
  }
  if (parent === defs.dottedPath) {
    const none = owner.rel[owner.rel.length - 1] === 'output' ? ', or none to discard it' : '';
    return about(owner, `is ${shown}, which is not a dotted path; write it like order.total${none}`);
  }
  const help = hint(parent.description as string | undefined);
  return about(owner, `is ${shown}, which is not allowed here${help ? `; it must be ${help}` : ''}`);
}

function notAllowed(owner: Owner, data: unknown, allowed: readonly unknown[], parent: SchemaNode): string {
  const words = allowed.map(String);
  const suggestion = typeof data === 'string' ? didYouMean(data, words) : '';
  const what = parent === defs.stepType ? ', which is not a step type' : '';
  return about(owner, `is ${showValue(data)}${what}${suggestion}; use one of ${listWords(words)}`);
}

const MIN_ITEMS_ADVICE: Record<string, string> = {
  steps: 'add at least one step',
  errors: 'list the error names to catch, or "*" for any error',
  choices: 'add at least one choice',
  branches: 'add at least one branch',
};

function outOfBounds(owner: Owner, data: unknown, error: ErrorObject): string {
  const limit = error.params.limit as number;
  switch (error.keyword) {
    case 'minimum':
      return about(owner, `is ${showValue(data)}; it must be ${limit} or more`);
    case 'maximum':
      return about(owner, `is ${showValue(data)}; it must be ${limit} or less`);
    case 'minLength': {
      const help = hint(error.parentSchema?.description as string | undefined);
      return about(owner, `is empty${help ? `; write ${help}` : ''}`);
    }
    case 'minItems':
      return about(owner, `is an empty list; ${MIN_ITEMS_ADVICE[String(owner.rel[owner.rel.length - 1])] ?? 'add at least one entry'}`);
    case 'minProperties':
      return about(owner, 'is empty; add at least one line like total: "${ price * quantity }"');
    default: {
      const help = hint(error.parentSchema?.description as string | undefined);
      return about(owner, `is not valid here${help ? `; it must be ${help}` : ''}`);
    }
  }
}

/**
 * `oneOf` errors list every failing alternative, which reads as noise. Each handler recognises
 * its `oneOf` by identity, claims the errors it produced, and says in one sentence what to fix.
 */
interface OneOfHandler {
  oneOf: unknown;
  owns(error: ErrorObject, at: string): boolean;
  explain(value: unknown, path: Path): Finding[];
}

const insideAlternatives = (alternatives: unknown[]) => (error: ErrorObject) =>
  alternatives.includes(error.parentSchema);

const ONE_OF_HANDLERS: readonly OneOfHandler[] = [
  {
    oneOf: defs.delayStep!.oneOf,
    owns: insideAlternatives(defs.delayStep!.oneOf as unknown[]),
    explain(value, path) {
      const owner = ownerOf(value, path);
      const step = valueAt(value, path) as Record<string, unknown>;
      const message =
        'duration' in step
          ? `${owner.subject} has both "duration" and "until"; keep only one of them`
          : `${owner.subject} needs "duration" (how long to wait, like 5m) or "until" (an expression giving the time to wait until)`;
      return [{ path, message, ...(owner.step === undefined ? {} : { step: owner.step }) }];
    },
  },
  {
    oneOf: defs.toleratedFailures!.oneOf,
    owns: insideAlternatives(defs.toleratedFailures!.oneOf as unknown[]),
    explain(value, path) {
      const owner = ownerOf(value, path);
      const message = about(owner, `is ${showValue(valueAt(value, path))}; write a count like 2, or a percentage up to 100% like 10%`);
      return [{ path, message, ...(owner.step === undefined ? {} : { step: owner.step }) }];
    },
  },
  {
    oneOf: defs.compensation!.oneOf,
    // Both alternatives reported on everything inside; the chosen one is validated again below.
    owns: (error, at) =>
      error.parentSchema !== defs.compensation && (error.instancePath === at || error.instancePath.startsWith(`${at}/`)),
    explain: explainCompensation,
  },
];

function explainCompensation(value: unknown, path: Path): Finding[] {
  const data = valueAt(value, path);
  if (!isRecord(data)) return [];
  const owner = ownerOf(value, path);
  const step = owner.step === undefined ? {} : { step: owner.step };
  const hasTask = 'task' in data;
  const hasUrl = 'url' in data;
  if (hasTask === hasUrl) {
    const message = hasTask
      ? about(owner, 'has both "task" and "url"; an undo is either a task or an HTTP call, so keep one')
      : about(owner, 'needs "task" (a task type that undoes this step) or "url" (an HTTP call that undoes it)');
    return [{ path, message, ...step }];
  }
  const validate = compensationBranches[hasTask ? 'task' : 'url'];
  if (validate(data)) return [];
  const pointer = path.map((seg) => `/${String(seg).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  const errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: pointer + e.instancePath }));
  return translate(errors, value);
}
