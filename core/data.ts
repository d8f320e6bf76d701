/** Reading and writing dotted paths in instance data. Data is plain JSON, owned by one frame. */
import type { Json, JsonObject, OutputPlacement } from '../definitions/model.js';

export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Writes `value` at `path` inside `data` and returns the new data. Intermediate objects are
 * created; a non-object on the way is replaced by an object, as Step Functions' ResultPath does.
 * The root itself is replaced only by an empty path.
 */
export function setPath(data: Json, path: readonly string[], value: Json): Json {
  if (path.length === 0) return value;
  const root: JsonObject = isObject(data) ? data : {};
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (!isObject(next)) defineField(node, key, {});
    node = node[key] as JsonObject;
  }
  defineField(node, path[path.length - 1]!, value);
  return root;
}

/**
 * Sets an own field, whatever its name: a path segment or key like `__proto__` is data here, never
 * a way to reach (and pollute) an object's prototype.
 */
export function defineField(node: JsonObject, key: string, value: Json): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

export function placeResult(data: Json, placement: OutputPlacement, value: Json): Json {
  return placement.kind === 'none' ? data : setPath(data, placement.path, value);
}

/** A deep copy of plain JSON (branches and iterations each get their own). */
export function copyJson<T extends Json>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

/**
 * `data` with a JSON merge patch (RFC 7396) applied: a field set to null is removed, an object is
 * merged into an object field by field, anything else replaces. Returns new data; `data` is kept.
 */
export function mergePatch(data: Json, patch: Json): Json {
  if (!isObject(patch)) return copyJson(patch);
  const target: JsonObject = isObject(data) ? { ...data } : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) delete target[key];
    else defineField(target, key, mergePatch(Object.hasOwn(target, key) ? target[key]! : null, value));
  }
  return target;
}
