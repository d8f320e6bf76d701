/**
 * Editor help from the definition's JSON Schema (schemas/workflow.schema.json): the keys a mapping
 * takes (a step's by its `type`), the values a key takes (its enum, true/false, or the names of
 * the steps of its list where it names a step), and each key's description. Loaded with the
 * playground only, as a chunk of its own.
 */
import workflowSchema from '../../schemas/workflow.schema.json' with { type: 'json' };
import { keyAt, placeAt, unquote, YamlOutline, type Segment } from './yaml-outline.js';

type Schema = {
  $ref?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: { if?: { properties?: { type?: { const?: string } } }; then?: Schema }[];
};

const ROOT = workflowSchema as unknown as Schema & { $defs: Record<string, Schema> };
const TARGET = '#/$defs/target';

function deref(node: Schema | undefined): Schema | undefined {
  let here = node;
  for (let hops = 0; here?.$ref !== undefined && hops < 10; hops += 1) here = ROOT.$defs[here.$ref.replace('#/$defs/', '')];
  return here;
}

/** A mapping's properties; a step's include those of its type (the schema's if/then on `type`). */
function propertiesOf(node: Schema, entries: Map<string, string | undefined>): Record<string, Schema> {
  const props: Record<string, Schema> = { ...node.properties };
  const type = unquote(entries.get('type') ?? '');
  for (const part of node.allOf ?? []) {
    if (part.if?.properties?.type?.const === type) Object.assign(props, deref(part.then)?.properties);
  }
  return props;
}

/** The schema of the mapping at `path`; `entriesOf(k)` reads the mapping holding segment k. */
function mappingSchema(path: Segment[], entriesOf: (k: number) => Map<string, string | undefined>): Schema | undefined {
  let node = deref(ROOT);
  path.forEach((segment, k) => {
    if (!node) return;
    node = typeof segment === 'number' ? deref(node.items) : deref(propertiesOf(node, entriesOf(k))[segment]);
  });
  return node;
}

/** A property's own description, or the one of what it refers to. */
function describe(prop: Schema | undefined): string {
  return prop?.description ?? deref(prop)?.description ?? '';
}

export interface CompletionItem {
  label: string;
  /** The text that replaces the word typed so far. */
  insert: string;
  detail: string;
}

export interface Completion {
  /** Offsets in the text of the word the items replace. */
  from: number;
  to: number;
  items: CompletionItem[];
}

/** What could be typed at `offset` of `text`. */
export function complete(text: string, offset: number): Completion | undefined {
  const outline = new YamlOutline(text);
  const place = placeAt(outline, offset);
  if (!place) return undefined;
  const entriesOf = (k: number): Map<string, string | undefined> => outline.entries(place.at[k]!.line, place.at[k]!.col);
  const node = mappingSchema(place.path, entriesOf);
  if (!node) return undefined;
  const mine = place.col === undefined ? new Map<string, string | undefined>() : outline.entries(place.line, place.col);
  const props = propertiesOf(node, mine);
  const prefix = place.prefix.toLowerCase();
  let items: CompletionItem[];
  if (place.kind === 'key') {
    const required = new Set(node.required ?? []);
    items = Object.keys(props)
      .filter((k) => k !== '$schema' && (!mine.has(k) || k === place.prefix))
      .sort((a, b) => Number(required.has(b)) - Number(required.has(a)))
      .map((k) => ({ label: k, insert: `${k}: `, detail: describe(props[k]) }));
  } else {
    const prop = props[place.key!];
    items = valuesOf(prop, outline, place.path, place.at).map((v) => ({ label: v, insert: v, detail: describe(prop) }));
  }
  items = items.filter((i) => i.label.toLowerCase().startsWith(prefix));
  if (items.length === 0 || (items.length === 1 && items[0]!.label === place.prefix)) return undefined;
  return { from: place.from, to: offset, items };
}

function valuesOf(prop: Schema | undefined, outline: YamlOutline, path: Segment[], at: { line: number; col: number }[]): string[] {
  if (prop?.$ref === TARGET) {
    // A step name of the list the step is in (the catch rules of a step name its list's steps too).
    const k = path.findLastIndex((s, i) => typeof s === 'number' && path[i - 1] === 'steps');
    if (k < 0) return ['end'];
    return [...outline.itemValues(at[k]!.line, at[k]!.col - 2, 'name'), 'end'];
  }
  const node = deref(prop);
  if (node?.enum) return node.enum.map(String);
  if (node?.const !== undefined) return [String(node.const)];
  if (node?.type === 'boolean') return ['true', 'false'];
  return [];
}

/**
 * The key at `offset` (anywhere on its line with `onLine`) and what the schema says of it:
 * "steps[2].retry.maxAttempts" and its description.
 */
export function describeKey(text: string, offset: number, onLine = false): { where: string; doc: string } | undefined {
  const outline = new YamlOutline(text);
  const key = keyAt(outline, offset, onLine);
  if (!key) return undefined;
  const node = mappingSchema(key.path, (k) => outline.entries(key.at[k]!.line, key.at[k]!.col));
  const doc = node ? describe(propertiesOf(node, outline.entries(key.line, key.col))[key.key]) : '';
  if (!doc) return undefined;
  const where = [...key.path, key.key].map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return { where, doc };
}
