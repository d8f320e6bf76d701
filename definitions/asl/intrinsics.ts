/**
 * Evaluation of the 18 intrinsic functions, with AWS's checks of their arguments. A call AWS
 * cannot make fails the state with `States.Runtime` and the cause `Invalid arguments in
 * States.<Name>` (AWS's wording); a path argument that finds nothing fails the way any path in
 * the field does. Randomness comes from the caller (see random.ts).
 */
import type { Json } from '../model.js';
import { hashHex, partition, range } from './common-functions.js';
import { runtimeError } from './errors.js';
import { isObject, jsonEquals } from './json.js';
import { valueForField } from './jsonpath-evaluate.js';
import type { PathScope } from './jsonpath-evaluate.js';
import { intrinsicEscape, placeholderCount } from './intrinsics-parse.js';
import type { IntrinsicArgument, IntrinsicCall, IntrinsicName } from './intrinsics-parse.js';
import { JavaRandom, uuidFrom } from './random.js';
import type { RandomSource } from './random.js';

export interface IntrinsicEnvironment {
  scope: PathScope;
  random: RandomSource;
  /** The field the call is written in (`greeting.$`), for causes. */
  field: string;
}

export function evaluateIntrinsic(call: IntrinsicCall, env: IntrinsicEnvironment): Json {
  const args = call.args.map((arg) => evaluateArgument(arg, env));
  const invalid = (): never => {
    throw runtimeError(`Invalid arguments in States.${call.name}`);
  };
  if (call.name === 'Format') return format(call, args, invalid);
  return FUNCTIONS[call.name](args, invalid, env.random);
}

function evaluateArgument(arg: IntrinsicArgument, env: IntrinsicEnvironment): Json {
  switch (arg.kind) {
    case 'call':
      return evaluateIntrinsic(arg, env);
    case 'literal':
    case 'string':
      return arg.value;
    case 'path':
      return valueForField(arg.path, env.scope, env.field);
  }
}

type Invalid = () => never;
type IntrinsicFunction = (args: Json[], invalid: Invalid, random: RandomSource) => Json;

/** Strings the encoding and hash functions take are at most this long. */
const MAX_TEXT_LENGTH = 10_000;
/** States.ArrayRange makes at most this many items. */
const MAX_RANGE_ITEMS = 1_000;
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

const FUNCTIONS: Record<Exclude<IntrinsicName, 'Format'>, IntrinsicFunction> = {
  StringToJson: ([text], invalid) => {
    if (typeof text !== 'string') return invalid();
    try {
      return JSON.parse(text) as Json;
    } catch {
      return invalid();
    }
  },
  JsonToString: ([value]) => JSON.stringify(value),
  Array: (args) => args,
  ArrayPartition: ([items, size], invalid) => {
    // AWS drops the fraction of the chunk size (2.6 makes chunks of 2) and refuses what is left below 1.
    const chunk = typeof size === 'number' ? Math.trunc(size) : 0;
    if (!Array.isArray(items) || chunk < 1) return invalid();
    return partition(items, chunk);
  },
  ArrayContains: ([items, value], invalid) => (Array.isArray(items) ? items.some((item) => jsonEquals(item, value)) : invalid()),
  ArrayRange: ([start, end, step], invalid) => {
    if (typeof start !== 'number' || typeof end !== 'number' || typeof step !== 'number') return invalid();
    const [from, to, by] = [Math.trunc(start), Math.trunc(end), Math.trunc(step)];
    if (by === 0) return invalid();
    if (Math.floor((to - from) / by) + 1 > MAX_RANGE_ITEMS) return invalid();
    return range(from, to, by);
  },
  ArrayGetItem: ([items, index], invalid) => {
    if (!Array.isArray(items) || typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= items.length) return invalid();
    return items[index]!;
  },
  ArrayLength: ([items], invalid) => (Array.isArray(items) ? items.length : invalid()),
  ArrayUnique: ([items], invalid) => {
    if (!Array.isArray(items)) return invalid();
    return items.filter((item, i) => items.findIndex((other) => jsonEquals(other, item)) === i);
  },
  Base64Encode: ([text], invalid) => {
    if (typeof text !== 'string' || [...text].length > MAX_TEXT_LENGTH) return invalid();
    return Buffer.from(text, 'utf8').toString('base64');
  },
  Base64Decode: ([text], invalid) => {
    if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) return invalid();
    // Node's decoder skips what is not base64; AWS's refuses it, so the text is checked first.
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return invalid();
    return Buffer.from(text, 'base64').toString('utf8');
  },
  Hash: ([data, algorithm], invalid) => {
    if (data === null || typeof algorithm !== 'string') return invalid();
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    if ([...text].length > MAX_TEXT_LENGTH) return invalid();
    return hashHex(text, algorithm) ?? invalid();
  },
  JsonMerge: ([left, right, deep], invalid) => {
    // AWS merges only shallowly: the third argument must be false.
    if (!isObject(left) || !isObject(right) || deep !== false) return invalid();
    return { ...left, ...right };
  },
  MathRandom: ([start, end, seed], invalid, random) => {
    if (typeof start !== 'number' || typeof end !== 'number' || (seed !== undefined && typeof seed !== 'number')) return invalid();
    // AWS drops fractions and draws from [start, end): the end itself never comes out.
    const [from, to] = [Math.trunc(start), Math.trunc(end)];
    if (from >= to || from < INT_MIN || to > INT_MAX) return invalid();
    const span = to - from;
    if (seed === undefined) return from + Math.floor(random() * span);
    return from + new JavaRandom(seed).nextInt(span);
  },
  MathAdd: ([a, b], invalid) => {
    if (typeof a !== 'number' || typeof b !== 'number') return invalid();
    // AWS rounds each operand to the nearest integer (halves upwards), as Java's Math.round does.
    const [x, y] = [Math.round(a), Math.round(b)];
    if ([x, y].some((n) => n < INT_MIN || n > INT_MAX)) return invalid();
    return x + y;
  },
  StringSplit: ([text, delimiters], invalid) => {
    if (typeof text !== 'string' || typeof delimiters !== 'string' || delimiters === '') return invalid();
    // Each character of the second argument splits; empty pieces are dropped (Java's StringTokenizer).
    const set = new Set([...delimiters]);
    const pieces: string[] = [];
    let current = '';
    for (const char of text) {
      if (set.has(char)) {
        if (current !== '') pieces.push(current);
        current = '';
      } else {
        current += char;
      }
    }
    if (current !== '') pieces.push(current);
    return pieces;
  },
  UUID: (_args, _invalid, random) => uuidFrom(random),
};

function format(call: IntrinsicCall, args: Json[], invalid: Invalid): Json {
  const [template, ...values] = args;
  if (typeof template !== 'string') return invalid();
  const first = call.args[0]!;
  // A literal template keeps its escapes: `\{}` is text, not a placeholder.
  const raw = first.kind === 'string' ? first.raw : template;
  if (placeholderCount(raw) !== values.length) return invalid();
  let out = '';
  let next = 0;
  for (let i = 0; i < raw.length; i += 1) {
    const char = raw[i]!;
    if (char === '\\' && first.kind === 'string') {
      const escaped = raw.slice(i, i + 2);
      out += intrinsicEscape(escaped) ?? escaped;
      i += 1;
    } else if (char === '{' && raw[i + 1] === '}') {
      out += formatValue(values[next]!);
      next += 1;
      i += 1;
    } else {
      out += char;
    }
  }
  return out;
}

/** How States.Format writes a value: text as it is, objects and lists as Java prints its maps and lists. */
export function formatValue(value: Json): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}
