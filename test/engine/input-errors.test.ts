/** A start input refused by the workflow's input schema: every complaint names the field it is about. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../../definitions/model.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';

const SHIRT = `name: shirt
input:
  type: object
  additionalProperties: false
  propertyNames: { pattern: "^[a-z]+$" }
  dependentRequired: { card: [cvv] }
  properties:
    size: { type: integer }
    kind: { const: shirt }
    fit: { enum: [slim, loose] }
    card: { type: string }
    cvv: { type: string }
    gift: false
    address:
      type: object
      properties: { street: { type: string }, "a/b": { type: object, required: [c] } }
      unevaluatedProperties: false
    tags: { type: array, contains: { type: string } }
steps:
  - { name: done, type: succeed }
`;

let t: TestEngine;
beforeAll(async () => {
  t = await testEngine();
  await t.register(SHIRT);
});
afterAll(() => t.engine.stop());

/** The message of the refusal of `input`, without its common start. */
async function refusal(input: Json): Promise<string> {
  const err = (await t.engine.startInstance('shirt', { input }).catch((e: unknown) => e)) as Error & { code?: string };
  expect(err.code).toBe('INPUT_INVALID');
  const prefix = 'the input does not match the input schema of "shirt": ';
  expect(err.message.startsWith(prefix), err.message).toBe(true);
  return err.message.slice(prefix.length);
}

describe('input schema errors', () => {
  it.each<[string, Json, string]>([
    ['an unknown field', { size: 2, colour: 'red' }, 'input has an unknown field "colour" (accepted: size, kind, fit, card, cvv, gift, address, tags)'],
    ['a field name the pattern refuses', { Size: 2 }, 'input has a field named "Size", which is not accepted: must match pattern "^[a-z]+$"; input has an unknown field "Size" (accepted: size, kind, fit, card, cvv, gift, address, tags)'],
    ['a field that needs another', { card: '4242' }, 'input needs the field "cvv" when it has "card"'],
    ['an unevaluated field deeper in', { address: { street: 'Main', zip: '1000' } }, 'input.address has an unknown field "zip"'],
    ['a const', { kind: 'hat' }, 'input.kind must be "shirt"'],
    ['an enum', { fit: 'baggy' }, 'input.fit must be one of "slim", "loose"'],
    ['a forbidden field', { gift: true }, 'input.gift is not allowed'],
    ['a wrong type', { size: 'L' }, 'input.size must be integer'],
    ['a field under a key with a slash', { address: { 'a/b': {} } }, 'input.address.a/b needs the field "c"'],
    ['a list without the item it must contain', { tags: [1, 2] }, 'input.tags must contain at least 1 valid item(s)'],
  ])('names the field of %s', async (_, input, message) => {
    expect(await refusal(input)).toBe(message);
  });
});
