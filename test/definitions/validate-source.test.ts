import { describe, expect, it } from 'vitest';
import { parseSource } from '../../definitions/source.js';

const YAML = [
  'name: order', // 1
  'steps:', // 2
  '  - name: charge', // 3
  '    type: task', // 4
  '    timeout:', // 5
  "    input: { note: 'a ${ x }' }", // 6
  '    result: |', // 7
  '      first', // 8
  '        second ${ y }', // 9
  '    message: "tab\\there ${ z }"', // 10
  '',
].join('\n');

describe('parseSource', () => {
  const source = parseSource(YAML, 'order.yaml');

  it('turns YAML into plain JSON', () => {
    expect(source.problems).toEqual([]);
    expect(source.value).toEqual({
      name: 'order',
      steps: [
        {
          name: 'charge',
          type: 'task',
          timeout: null,
          input: { note: 'a ${ x }' },
          result: 'first\n  second ${ y }\n',
          message: 'tab\there ${ z }',
        },
      ],
    });
  });

  it('locates values, and keys when asked', () => {
    expect(source.locate(['name'])).toEqual({ line: 1, column: 7 });
    expect(source.locate(['name'], 'key')).toEqual({ line: 1, column: 1 });
    expect(source.locate(['steps', 0])).toEqual({ line: 3, column: 5 });
    expect(source.locate(['steps', 0, 'type'])).toEqual({ line: 4, column: 11 });
    expect(source.locate(['steps', 0, 'type'], 'key')).toEqual({ line: 4, column: 5 });
  });

  it('falls back to the key of an empty value, and to the deepest node of a missing path', () => {
    expect(source.locate(['steps', 0, 'timeout'])).toEqual({ line: 5, column: 5 });
    expect(source.locate(['steps', 0, 'queue'])).toEqual({ line: 3, column: 5 });
    expect(source.locate(['steps', 7, 'name'])).toEqual({ line: 3, column: 3 });
    expect(source.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('locates a character inside plain, quoted and literal block strings', () => {
    expect(source.locateInString(['steps', 0, 'input', 'note'], 2)).toEqual({ line: 6, column: 23 });
    expect(source.locateInString(['steps', 0, 'result'], 'first\n  second $'.length - 1)).toEqual({ line: 9, column: 16 });
    expect(source.locateInString(['name'], 3)).toEqual({ line: 1, column: 10 });
  });

  it('points at the start of a string whose escapes make the exact place uncertain', () => {
    expect(source.locateInString(['steps', 0, 'message'], 10)).toEqual({ line: 10, column: 14 });
  });

  it('reads JSON with positions', () => {
    const json = parseSource('{\n  "name": "order",\n  "steps": [{ "name": "a", "type": "succeed" }]\n}\n', 'order.json');
    expect(json.problems).toEqual([]);
    expect(json.locate(['steps', 0, 'type'])).toEqual({ line: 3, column: 36 });
    expect(json.locate(['steps', 0, 'type'], 'key')).toEqual({ line: 3, column: 28 });
  });

  it('reports every duplicate key, and keeps the last value', () => {
    const dup = parseSource('name: a\nsteps:\n  - name: x\n    name: y\nname: b\n', 'dup.yaml');
    expect(dup.value).toEqual({ name: 'b', steps: [{ name: 'y' }] });
    expect(dup.problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual([
      '4:5: step "y": "name" is written twice (first on line 3); keep only one',
      '5:1: "name" is written twice (first on line 1); keep only one',
    ]);
    expect(dup.locate(['name'])).toEqual({ line: 5, column: 7 });
  });

  it('reports syntax errors at their position, without a value', () => {
    const bad = parseSource('name: a\nsteps:\n  - name: x\n   type: task\n', 'bad.yaml');
    expect(bad.value).toBeUndefined();
    expect(bad.problems).toEqual([
      {
        file: 'bad.yaml',
        line: 4,
        column: 1,
        message:
          'this is not valid YAML: the indentation is off here: fields of one step, and items of one list, must start at the same column',
      },
    ]);
  });

  it('speaks of JSON when the text is JSON', () => {
    const bad = parseSource('{ "name": "a" "steps": [] }', 'bad.json');
    expect(bad.problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual([
      '1:15: this is not valid JSON: check the commas between fields, the ":" after each field name, and that quotes and brackets are closed',
    ]);
  });

  it('explains an unclosed quote and an unclosed bracket', () => {
    expect(parseSource('name: "abc\nsteps: []\n', 'q.yaml').problems[0]?.message).toBe(
      'this is not valid YAML: a quoted text is never closed; add the closing quote',
    );
    expect(parseSource('name: a\nsteps: [ {name: x\n', 'b.yaml').problems[0]?.message).toBe(
      'this is not valid YAML: a "{" is never closed with "}"',
    );
  });

  it('refuses aliases that expand without bound, at the alias past the limit', () => {
    const lines = ['a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]'];
    for (let i = 1; i < 6; i += 1) lines.push(`l${i}: &l${i} [${new Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const bomb = parseSource(lines.join('\n'), 'bomb.yaml');
    expect(bomb.value).toBeUndefined();
    expect(bomb.problems).toEqual([
      {
        file: 'bomb.yaml',
        line: 6,
        column: 20,
        message: expect.stringMatching(/^\*l4 here makes the definition larger than the 1 MiB it may be with its aliases written out \(it would be 3[\d.]* MiB\)/),
      },
    ]);
  });

  it('still refuses an anchor repeated more than 100 times, however small', () => {
    const text = `name: a\nx: &x 1\nlist: [${new Array(101).fill('*x').join(', ')}]\n`;
    expect(parseSource(text, 'many.yaml').problems[0]?.message).toBe('this YAML repeats its aliases (*name) too many times; write the values out instead');
  });
});

describe('parseSource: aliases measured written out', () => {
  const definition = (anchored: string, uses: string[]) =>
    ['name: amp', 'steps:', '  - name: work', '    type: task', '    task: t', '    input:', `      a: &big ${anchored}`, ...uses.map((u, i) => `      b${i}: ${u}`), ''].join('\n');
  const kib = (n: number) => `"${'x'.repeat(n * 1024)}"`;

  it('refuses a large anchor aliased past 1 MiB, naming the alias that crosses it and the whole size', () => {
    const source = parseSource(definition(kib(900), new Array(30).fill('*big')), 'amp.yaml');
    expect(source.value).toBeUndefined();
    expect(source.problems).toEqual([
      {
        file: 'amp.yaml',
        line: 8,
        column: 11,
        message: '*big here makes the definition larger than the 1 MiB it may be with its aliases written out (it would be 27.2 MiB); repeat large values less, or pass them in the start input',
      },
    ]);
  });

  it('takes aliases that stay under the limit', () => {
    const source = parseSource(definition(kib(100), new Array(8).fill('*big')), 'amp.yaml');
    expect(source.problems).toEqual([]);
    expect((source.value as { steps: { input: Record<string, string> }[] }).steps[0]!.input.b7).toHaveLength(100 * 1024);
  });

  it('counts the aliases inside an anchored value each time that value is repeated', () => {
    // 100 KiB, then 4 of it in "four" (500 KiB in all), then "four" twice: the second crosses 1 MiB.
    const text = [
      'name: nested',
      `a: &a ${kib(100)}`,
      'four: &four [*a, *a, *a, *a]',
      'one: *four',
      'two: *four',
      '',
    ].join('\n');
    expect(parseSource(text, 'nested.yaml').problems).toEqual([
      expect.objectContaining({ line: 5, column: 6, message: expect.stringMatching(/^\*four here makes .* \(it would be 1\.3 MiB\)/) }),
    ]);
  });

  it('refuses an alias inside the value it repeats, which would never end', () => {
    const source = parseSource('name: loop\nsteps:\n  - name: w\n    type: task\n    task: t\n    input: &self\n      again: *self\n', 'loop.yaml');
    expect(source.value).toBeUndefined();
    expect(source.problems).toEqual([
      { file: 'loop.yaml', line: 7, column: 14, message: '*self repeats a value it is itself part of, so written out it would never end; write the value out instead' },
    ]);
  });
});

describe('parseSource: numbers JSON cannot hold', () => {
  const range = `write a number between -${Number.MAX_VALUE} and ${Number.MAX_VALUE}, or quote it to keep it as text`;

  it('refuses each number YAML reads as Infinity or NaN, at its line and column, without a value', () => {
    const text = [
      'name: big', // 1
      'steps:', // 2
      '  - name: charge', // 3
      '    type: task', // 4
      '    task: t', // 5
      '    retry: { backoffCoefficient: 1e400 }', // 6
      `    input: { low: -1E+999, inf: .inf, nan: .NaN, list: [1, 0x${'f'.repeat(300)}], text: "1e400", small: 1e-400 }`, // 7
      '',
    ].join('\n');
    const source = parseSource(text, 'big.yaml');
    expect(source.value).toBeUndefined();
    expect(source.problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual([
      `6:34: step "charge": "retry.backoffCoefficient" is 1e400, a number out of range: ${range}`,
      `7:19: step "charge": "input.low" is -1E+999, a number out of range: ${range}`,
      `7:33: step "charge": "input.inf" is .inf, a number out of range: ${range}`,
      `7:44: step "charge": "input.nan" is .NaN, which is not a number JSON can hold: ${range}`,
      `7:60: step "charge": entry 2 of "input.list" is 0x${'f'.repeat(38)}…, a number out of range: ${range}`,
    ]);
    expect(source.problems.every((p) => p.step === 'charge')).toBe(true);
  });

  it('refuses them in JSON text too, and takes the largest number there is', () => {
    expect(parseSource('{"name": "j", "x": [1e400]}', 'j.json').problems).toEqual([
      { file: 'j.json', line: 1, column: 21, message: `entry 1 of "x" is 1e400, a number out of range: ${range}` },
    ]);
    expect(parseSource(`{"name": "j", "x": ${Number.MAX_VALUE}, "y": -${Number.MAX_VALUE}}`, 'j.json')).toMatchObject({
      value: { x: Number.MAX_VALUE, y: -Number.MAX_VALUE },
      problems: [],
    });
  });
});
