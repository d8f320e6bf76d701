import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../definitions/duration.js';
import type { StepType } from '../../definitions/model.js';
import { checkDefinition } from '../../definitions/validate.js';
import schema from '../../schemas/workflow.schema.json' with { type: 'json' };

type Node = Record<string, unknown>;
const defs = schema.$defs as unknown as Record<string, Node>;

/** Every `properties` member in the schema, with where it is; `if` conditions are not shown to people. */
function properties(node: unknown, where = '#'): [string, Node][] {
  if (Array.isArray(node)) return node.flatMap((item, i) => properties(item, `${where}/${i}`));
  if (typeof node !== 'object' || node === null || where.endsWith('/if')) return [];
  const own = Object.entries(((node as Node).properties ?? {}) as Record<string, Node>).map(
    ([key, value]): [string, Node] => [`${where}/properties/${key}`, value],
  );
  return [...own, ...Object.entries(node).flatMap(([key, value]) => properties(value, `${where}/${key}`))];
}

function described(node: Node): boolean {
  if (typeof node.description === 'string' && node.description.length > 0) return true;
  const ref = typeof node.$ref === 'string' ? node.$ref.replace('#/$defs/', '') : undefined;
  return ref !== undefined && described(defs[ref]!);
}

describe('workflow.schema.json', () => {
  it('is a valid draft 2020-12 schema with its id and title', () => {
    const ajv = new Ajv2020();
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(schema.$id).toBe('https://segue.dev/schemas/workflow.schema.json');
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBeTruthy();
  });

  it('describes every property, for editors to show', () => {
    const all = properties(schema);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter(([, node]) => !described(node)).map(([where]) => where)).toEqual([]);
  });

  it('has one closed schema per step type, matching the Plan step types', () => {
    const types: StepType[] = ['task', 'http', 'set', 'choice', 'parallel', 'map', 'wait', 'delay', 'workflow', 'compensate', 'continue', 'succeed', 'fail'];
    expect(defs.stepType!.enum).toEqual(types);
    for (const type of types) {
      const step = defs[`${type}Step`]!;
      expect(step.additionalProperties).toBe(false);
      expect((step.properties as Node).type).toMatchObject({ const: type });
    }
  });

  it('accepts exactly the durations parseDuration reads', () => {
    const pattern = new RegExp(defs.duration!.pattern as string, 'u');
    const unit = fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w', 'M', 'S', 'H', 'D', 'W', 'T', 'P', ' ', '.', 'x', '');
    const piece = fc.tuple(fc.constantFrom('', '0', '1', '12', '1.5', '.5', '3.'), unit).map(([n, u]) => n + u);
    const text = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(text, text.map((t) => `P${t}`), text.map((t) => `PT${t}`), fc.string()), (t) => {
        expect(pattern.test(t)).toBe(parseDuration(t) !== null);
      }),
      { numRuns: 3000 },
    );
  });
});

const RAW_AJV = [/must have required property/, /must match/, /must be equal to/, /must NOT/, /\/steps\/\d/, /#\/\$defs/, /undefined|NaN|\[object Object\]/];

describe('messages', () => {
  const folder = new URL('../fixtures/invalid/', import.meta.url);
  const messages = readdirSync(folder).flatMap((file) =>
    checkDefinition(readFileSync(new URL(file, folder), 'utf8'), file).problems.map((p) => p.message),
  );

  it('never show ajv wording, JSON pointers or broken values, and fit on one line', () => {
    for (const message of messages) {
      for (const raw of RAW_AJV) expect(message).not.toMatch(raw);
      expect(message).not.toContain('\n');
    }
  });
});

const VALID = readFileSync(new URL('../fixtures/valid/every-step-type.yaml', import.meta.url), 'utf8');

describe('checkDefinition on broken input', () => {
  it('never throws on arbitrary JSON values, and positions every problem', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const problem of checkDefinition(JSON.stringify(value), 'random.json').problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.column).toBeGreaterThanOrEqual(1);
          expect(problem.message).not.toContain('\n');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary input schemas', () => {
    const keyword = fc.constantFrom('type', 'properties', 'required', 'items', '$ref', '$schema', '$id', 'format', 'enum', 'minimum', 'anyOf', 'x');
    const schemaLike = fc.letrec((tie) => ({
      node: fc.dictionary(keyword, fc.oneof({ maxDepth: 3 }, fc.jsonValue({ maxDepth: 1 }), tie('node'))),
    })).node;
    fc.assert(
      fc.property(schemaLike, (input) => {
        const text = JSON.stringify({ name: 'a', input, steps: [{ name: 'x', type: 'succeed' }] });
        for (const p of checkDefinition(text, 'input.json').problems) expect(p.message).toMatch(/^"input" /);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when lines of a valid definition are removed or changed', () => {
    const lines = VALID.split('\n');
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.constantFrom('', '  x: 1', 'next: nowhere', '- name: a', '"${'), (at, replacement) => {
        const text = [...lines.slice(0, at), replacement, ...lines.slice(at + 1)].join('\n');
        const { problems } = checkDefinition(text, 'mutated.yaml');
        for (const p of problems) expect(p.line).toBeLessThanOrEqual(lines.length + 1);
      }),
      { numRuns: 150 },
    );
  });
});
