/** Small helpers on JSON values, shared by the ASL modules. */
import type { Json, JsonObject } from '../model.js';

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets a field; a key named `__proto__` is a field like any other, not the prototype. */
export function setField(object: JsonObject, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Deep equality of JSON values; object keys in any order. */
export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (!isObjectOrList(a) || !isObjectOrList(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  const [x, y] = [a as JsonObject, b as JsonObject];
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && jsonEquals(x[k], y[k]));
}

function isObjectOrList(value: Json | undefined): value is JsonObject | Json[] {
  return typeof value === 'object' && value !== null;
}

/** The JSON type name AWS uses in causes: object, array, string, number, boolean, null. */
export function jsonTypeName(value: Json): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
