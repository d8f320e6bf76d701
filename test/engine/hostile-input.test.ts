/** Input crafted to break the process: deep nesting, and field names that reach for prototypes. */
import { afterEach, expect, it } from 'vitest';
import { checkDefinition } from '../../definitions/validate.js';
import { parseJsonText } from '../../api/json-text.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';

let t: TestEngine;
afterEach(async () => t?.engine.stop());

it('refuses a definition nested thousands deep before parsing it, again and again', () => {
  for (const text of ['['.repeat(1000) + ']'.repeat(1000), `${'- '.repeat(1000)}x`, `steps:\n${' '.repeat(400)}x: 1`]) {
    for (let i = 0; i < 3; i += 1) {
      const { problems } = checkDefinition(text, 'deep.yaml');
      expect(problems).toEqual([expect.objectContaining({ line: 1, column: 1, message: expect.stringMatching(/^the text nests \d+ levels deep, more than the 64 a definition may/) })]);
    }
  }
});

it('refuses a JSON body nested deeper than 512 levels with a plain message', () => {
  const parsed = parseJsonText('['.repeat(10_000) + ']'.repeat(10_000));
  expect(parsed).toEqual({ ok: false, message: 'the body nests 10000 levels deep, more than the 512 allowed' });
  expect(parseJsonText('{"a":"[[[[["}')).toEqual({ ok: true, value: { a: '[[[[[' } });
});

it('keeps __proto__ and constructor as plain fields: nothing reaches Object.prototype', async () => {
  t = await testEngine();
  await t.register(`
name: sneaky
steps:
  - name: set
    type: set
    values:
      "__proto__.polluted": "yes"
      "constructor.prototype.polluted": "yes"
      tmpl: { "__proto__": { polluted: "yes" } }
`);
  const view = await t.engine.getInstance(await t.run('sneaky'));
  expect(view.status).toBe('COMPLETED');
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(JSON.parse(JSON.stringify(view.output))).toEqual({
    ['__proto__']: { polluted: 'yes' },
    constructor: { prototype: { polluted: 'yes' } },
    tmpl: { ['__proto__']: { polluted: 'yes' } },
  });
});
