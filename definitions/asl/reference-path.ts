/**
 * Reference paths: the paths that name one place in the state's input (`$`, `$.a.b`, `$.list[0]`),
 * as `ResultPath` takes them. Writing a value there copies the input and creates the objects the
 * path runs through; nothing the caller holds is changed.
 */
import type { Json } from '../model.js';
import { STATES_ERRORS, StatesError, jsonText } from './errors.js';
import { isObject, setField } from './json.js';
import type { JsonPath } from './jsonpath-parse.js';

/** A path that names exactly one place in the input: `$` followed by names and indexes. */
export function isReferencePath(path: JsonPath): boolean {
  return path.root.kind === 'input' && path.definite;
}

/**
 * The input with `value` written where `path` points (`$` replaces it whole). Fails with
 * `States.ResultPathMatchFailure` when the path runs through something that is not an object
 * (or, for an index, not a list long enough).
 */
export function writeAtReferencePath(input: Json, path: JsonPath, value: Json): Json {
  if (path.segments.length === 0) return value;
  const fail = (): never => {
    throw new StatesError(STATES_ERRORS.resultPathMatchFailure, `Unable to apply ReferencePath ${path.source} to input ${jsonText(input)}`);
  };
  const write = (node: Json | undefined, depth: number): Json => {
    if (depth === path.segments.length) return value;
    const selector = path.segments[depth]!.selector;
    if (selector.kind === 'name') {
      if (node !== undefined && !isObject(node)) return fail();
      const object = { ...(node ?? {}) };
      setField(object, selector.name, write(object[selector.name], depth + 1));
      return object;
    }
    if (selector.kind !== 'index' || !Array.isArray(node)) return fail();
    const at = selector.index < 0 ? node.length + selector.index : selector.index;
    if (at < 0 || at >= node.length) return fail();
    const list = [...node];
    list[at] = write(list[at], depth + 1);
    return list;
  };
  return write(input, 0);
}
