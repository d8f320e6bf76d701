/** The expression layer on its own: regex costs, the `${ }` scanner, bindings that share a built-in's name, data the library cannot change, budgets. */
import { describe, expect, it } from 'vitest';
import { regexCost } from '../../definitions/regex-analysis.js';
import { compileExpression, compileTemplate, splitTemplate, ExpressionSyntaxError } from '../../definitions/expressions.js';
import { DEFAULT_EXPRESSION_LIMITS, EvaluationBudget, plainScope, type ExpressionIsolate, type IsolatedEvaluation } from '../../definitions/expression-budget.js';
import type { Json } from '../../definitions/model.js';
import { checkDefinition } from '../../definitions/validate.js';

describe('regexCost', () => {
  it.each(['^(a|a)*$', '^([a-z]|a)*$', '^(a+)+$', '(a*)*b', '^(\\w+\\s?)*$', '^(a|b|ab)*c$', '(\\w|\\d)+$', '(?=(a+)+$)b', '^(a|a){20}$'])(
    'finds exponential backtracking in /%s/',
    (source) => {
      expect(regexCost(source, '').exponential).toBe(true);
    },
  );

  it.each(['\\d+(\\.\\d+)?', '(-?\\d+(?:\\.\\d*)?)F\\b', '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$', '\\s*\\s*x', '^\\d{3}-\\d{4}$', '^(ab|a)*$', '^(?:[a-z]+\\.)*[a-z]+$', '(a|a)*', '^[A-Z]{2}-\\d{4,6}$'])(
    'accepts /%s/, which is at most polynomial',
    (source) => {
      expect(regexCost(source, '').exponential).toBe(false);
    },
  );

  it('names the character whose repetition shows the problem, and reads the i flag', () => {
    expect(regexCost('^(x*)*y$', '').character).toBe('x');
    expect(regexCost('^(A|a)*$', '').exponential).toBe(false);
    expect(regexCost('^(A|a)*$', 'i').exponential).toBe(true);
  });

  it('gives the degree of the matching time: none for a bounded pattern, one more for a pattern tried at every start', () => {
    expect(regexCost('^\\d{3}-\\d{4}$', '').degree).toBe(0);
    expect(regexCost('^\\d+$', '').degree).toBe(1);
    expect(regexCost('\\d+F', '').degree).toBe(2);
    expect(regexCost('^(a+)+$', '').degree).toBe(Infinity);
  });
});

describe('the ${ } scanner', () => {
  const value = (template: string, data: Json = {}) => compileTemplate(template).evaluate(data, plainScope());

  it('reads regular expressions with quotes, backticks and braces in them', async () => {
    await expect(value(`\${ $contains('say "hi"', /"/) }`)).resolves.toBe(true);
    await expect(value("${ $contains(\"it's\", /'/) }")).resolves.toBe(true);
    await expect(value('${ $contains("a`b", /`/) }')).resolves.toBe(true);
    await expect(value('${ $replace("x{y", /\\{/, "-") }')).resolves.toBe('x-y');
    await expect(value('${ $match("aa", /a{2}/).match } and ${ 6 / 2 / 3 }')).resolves.toBe('aa and 1');
  });

  it("reports an unclosed string, name or comment with JSONata's own error", () => {
    const fault = (text: string) => {
      try {
        splitTemplate(text);
      } catch (err) {
        return err as ExpressionSyntaxError;
      }
      throw new Error(`no error for ${text}`);
    };
    expect(fault('${ "abc }')).toMatchObject({ code: 'S0101' });
    expect(fault('${ `abc }')).toMatchObject({ code: 'S0105' });
    expect(fault('${ 1 /* c }')).toMatchObject({ code: 'S0106' });
    expect(fault('Order ${ orderId is ready')).toMatchObject({ code: 'TemplateNeverClosed', offset: 6 });
  });
});

describe('bindings that share a name with a JSONata function', () => {
  const scope = plainScope({ now: '2030-01-02T03:04:05.000Z', error: { error: 'Boom', message: 'it broke' } }, Date.UTC(2030, 0, 2, 3, 4, 5));

  it('gives the value where an expression reads the name, and the function where it calls it', async () => {
    expect(await compileExpression('$now').evaluate({}, scope)).toBe('2030-01-02T03:04:05.000Z');
    expect(await compileExpression('$error.message').evaluate({}, scope)).toBe('it broke');
    await expect(compileExpression('$error("stop: " & $error.message)').evaluate({}, scope)).rejects.toMatchObject({ code: 'D3137', detail: 'stop: it broke' });
  });

  it("gives the transition's time, never the wall clock, to $now() and $millis()", async () => {
    expect(await compileExpression('$now()').evaluate({}, scope)).toBe('2030-01-02T03:04:05.000Z');
    expect(await compileExpression('$millis()').evaluate({}, scope)).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(await compileExpression("$now('[Y0001]')").evaluate({}, scope)).toBe('2030');
  });

  it("leaves the name to an expression that binds it itself", async () => {
    expect(await compileExpression('($now := 5; $now + 1)').evaluate({}, scope)).toBe(6);
    expect(await compileExpression('(function($error){ $error * 2 })(21)').evaluate({}, scope)).toBe(42);
  });
});

describe('evaluation and the instance data', () => {
  it('never writes into the data or the bindings', async () => {
    const data = { customer: { name: 'Ada' }, empty: [], list: [{ foo: 'bar' }] };
    const input = { a: 1 };
    const before = JSON.stringify({ data, input });
    for (const source of ['customer()', '$input()', '$${id: 1}', 'list[]', 'empty{"k": 1}']) {
      await compileExpression(source).evaluate(data, plainScope({ input })).catch(() => undefined);
    }
    expect(JSON.stringify({ data, input })).toBe(before);
    await expect(compileExpression('customer()').evaluate(data, plainScope())).rejects.toMatchObject({ code: 'T1006' });
  });
});

describe('budgets', () => {
  const scope = plainScope({}, 0, { maxValueSize: 1_000 });
  const failure = (source: string) => compileExpression(source).evaluate({}, scope).then(() => undefined, (err: { code?: string; detail?: string }) => err);

  it('refuses to build text past maxValueSize, before building it', async () => {
    expect(await failure('$pad("", 120000000)')).toMatchObject({ code: 'ValueTooLarge', detail: '$pad would build a text of 120000000 characters, more than the 1000 an expression may build' });
    expect(await failure('$join([1..600].$string(), "--")')).toMatchObject({ code: 'ValueTooLarge' });
    expect(await failure('$string([1..600])')).toMatchObject({ code: 'ValueTooLarge' });
    expect(await failure('$replace($pad("", 100, "a"), "a", "0123456789")')).toMatchObject({ code: 'ValueTooLarge' });
    expect(await failure("$fromMillis(0, '[Y,100000000]')")).toMatchObject({ code: 'ValueTooLarge' });
    expect(await failure('($s := $pad("", 600, "x"); $s & $s)')).toMatchObject({ code: 'ValueTooLarge', detail: 'it built a text of 1200 characters, more than the 1000 an expression may build' });
  });

  it('counts characters without a list of them, as the library does', async () => {
    expect(await compileExpression('$length($pad("", 500, "é"))').evaluate({}, scope)).toBe(500);
    expect(await compileExpression('$length("a😀b")').evaluate({}, scope)).toBe(3);
  });

  it('refuses an exponential regular expression given to $eval', async () => {
    expect(await failure('$eval("$contains(\'aaa\', /^(a|a)*$/)")')).toMatchObject({ code: 'SlowRegex' });
    expect(await compileExpression('$eval("$contains(\'aaa\', /^a+$/)")').evaluate({}, scope)).toBe(true);
  });

  it('stops an evaluation past maxDepth or timeoutMs', async () => {
    const deep = plainScope({}, 0, { maxDepth: 50 });
    await expect(compileExpression('($f := function($n){ $f($n + 1) + 1 }; $f(0))').evaluate({}, deep)).rejects.toMatchObject({ code: 'D1011' });
    const short = plainScope({}, 0, { timeoutMs: 20 });
    await expect(compileExpression('($f := function($n){ $n > 0 ? $f($n - 1) : 0 }; [1..100000].$f(3))').evaluate({}, short)).rejects.toMatchObject({ code: 'D1012' });
  });
});

describe('where an evaluation runs', () => {
  /** An isolate that only records what was sent to it. */
  const recording = () => {
    const sent: IsolatedEvaluation[] = [];
    const isolate: ExpressionIsolate = { evaluate: async (request) => (sent.push(request), 'from the isolate'), pause: async () => undefined };
    return { sent, scope: { bindings: {}, now: 0, budget: new EvaluationBudget(DEFAULT_EXPRESSION_LIMITS, isolate) } };
  };

  it("stays on the engine's thread however long other work holds it in between", async () => {
    const { sent, scope } = recording();
    const evaluation = compileExpression('$sum([1..50].($ * 2))').evaluate({}, scope);
    // Other instances' work runs between the nodes (JSONata awaits at each): 100 ms of it.
    const until = performance.now() + 100;
    while (performance.now() < until) {
      await Promise.resolve();
      const busy = performance.now() + 2;
      while (performance.now() < busy);
    }
    expect(await evaluation).toBe(2550);
    expect(sent).toEqual([]);
  });

  it.each([
    ['a long range', '$count([1..200000])'],
    ['a long range in the text given to $eval', '$eval("$count([1..9000000])")'],
    ['many nodes', '$sum([1..20000].($ + 1))'],
    ['a sort of a long list', '$count($sort([1..2000].(-$)))'],
    ['a polynomial regex over a long text', '$contains($pad("", 5000, "1"), /\\d+F/)'],
    ['comparing large data', '$count([1..10].($$.a = $$.b))'],
    ['writing out large data', '$count([1..5].$string($$.a))'],
  ])('moves to the isolate, whole, for %s', async (_what, source) => {
    const { sent, scope } = recording();
    const big = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    expect(await compileExpression(source).evaluate({ a: big, b: { ...big } }, scope)).toBe('from the isolate');
    expect(sent.map((r) => r.source)).toEqual([source]);
  });

  it('counts the work of one decision together, and lets other work run once it did a slice', async () => {
    let pauses = 0;
    const isolate: ExpressionIsolate = { evaluate: async () => null, pause: async () => void (pauses += 1) };
    const scope = { bindings: {}, now: 0, budget: new EvaluationBudget({ ...DEFAULT_EXPRESSION_LIMITS, sliceWork: 10_000 }, isolate) };
    for (let i = 0; i < 20; i += 1) await compileExpression('$sum([1..10].($ * 2))').evaluate({}, scope);
    expect(pauses).toBeGreaterThan(0);
    expect(pauses).toBeLessThan(20);
  });
});

describe('validation of an expression inside a map of values', () => {
  it('names the key it is under, as the author wrote it', () => {
    const { problems } = checkDefinition(`name: w
steps:
  - name: s
    type: set
    values:
      label: "\${ orderId + }"
      lines: ["ok", { text: "\${ total * }" }]
`, 'w.yaml');
    expect(problems.map((p) => `${p.line}:${p.column}: ${p.message}`)).toEqual([
      '6:26: step "s": the expression "orderId +" in "values.label" is not valid: it ends too early; something is missing at the end',
      '7:39: step "s": the expression "total *" in "values.lines[1].text" is not valid: it ends too early; something is missing at the end',
    ]);
  });
});
