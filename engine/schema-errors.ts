/**
 * Plain sentences for ajv's errors, each naming the field it is about: `"max" must be <= 100`,
 * `input has an unknown field "colour" (accepted: size, kind)`. The API describes request bodies
 * and parameters with them, the engine start inputs against a workflow's input schema.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';

/** How describeErrors names what it talks about: the body's fields, parameters, or the start input. */
export interface ErrorWording {
  /** The whole: `the body`, `the query string`, `input`. */
  subject: string;
  /** One member, from its dotted path: `"input.orderId"`, `query parameter "limit"`, `input.size`. */
  member: (path: string) => string;
  /** `field` or `parameter`. */
  noun: string;
}

/**
 * Every distinct complaint, joined by "; ". Errors that only wrap others (a failed oneOf branch's
 * own complaints, `if`, `propertyNames`, the items a `contains` looked at) are left out: the
 * error they wrap, or their own summary, says it better.
 */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, wording: ErrorWording): string {
  const list = errors ?? [];
  const alternatives = new Set(list.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  for (const e of list) {
    if (e.keyword !== 'oneOf' && alternatives.has(e.instancePath) && e.schemaPath.includes('/oneOf/')) continue;
    if (e.keyword === 'if' || e.keyword === 'propertyNames' || e.schemaPath.includes('/contains/')) continue;
    seen.add(describeError(e, wording));
  }
  return [...seen].join('; ');
}

function describeError(e: ErrorObject, wording: ErrorWording): string {
  const where = e.instancePath ? wording.member(dotted(e.instancePath)) : wording.subject;
  const params = e.params as Record<string, unknown>;
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  // A complaint about a key (from propertyNames), not about the value at the path.
  if (e.propertyName !== undefined) {
    return `${where} has a ${wording.noun} named "${e.propertyName}", which is not accepted: ${description ?? e.message ?? 'it is not valid'}`;
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const accepted = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const list = accepted.length > 0 ? `accepted: ${accepted.join(', ')}` : `it takes no ${wording.noun}s`;
      return `${where} has an unknown ${wording.noun} "${String(params.additionalProperty)}" (${list})`;
    }
    case 'unevaluatedProperties':
      return `${where} has an unknown ${wording.noun} "${String(params.unevaluatedProperty)}"`;
    case 'required':
      return `${where} needs the ${wording.noun} "${String(params.missingProperty)}"`;
    case 'dependentRequired':
      return `${where} needs the ${wording.noun} "${String(params.missingProperty)}" when it has "${String(params.property)}"`;
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(params.allowedValue)}`;
    case 'false schema':
      return `${where} is not allowed`;
    case 'oneOf':
    case 'pattern':
      return `${where} is not accepted${description ? `: ${description}` : e.keyword === 'pattern' ? `: ${e.message}` : ''}`;
    default:
      return `${where} ${e.message ?? 'is not valid'}`;
  }
}

/** `/items/0/sku` → `items.0.sku`, with JSON Pointer's escapes undone. */
function dotted(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}
