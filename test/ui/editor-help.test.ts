/** The playground's editor help: where the caret is in a YAML text being typed, and what the schema offers there. */
import { describe, expect, it } from 'vitest';
import { complete, describeKey } from '../../ui/src/schema-help.js';
import { diffLines, hunks } from '../../ui/src/line-diff.js';
import { YamlOutline } from '../../ui/src/yaml-outline.js';

/** The text with `|` where the caret is, and the caret's offset. */
function at(marked: string): [string, number] {
  const offset = marked.indexOf('|');
  return [marked.replace('|', ''), offset];
}

function labels(marked: string): string[] | undefined {
  return complete(...at(marked))?.items.map((i) => i.label);
}

const STEPS = `name: order
steps:
  - name: reserve
    type: task
    task: inventory.reserve
    retry:
      maxAttempts: 3
  - name: each
    type: map
    items: lines
    steps:
      - name: pack
        type: task
        task: warehouse.pack
      - name: label
        type: set
        values: {}
  - name: done
    type: succeed
`;

describe('the outline of a YAML text', () => {
  it('finds the path to a mapping from the indentation, list items counted', () => {
    const outline = new YamlOutline(STEPS);
    expect(outline.pathTo(6, 6).path).toEqual(['steps', 0, 'retry']);
    expect(outline.pathTo(15, 8).path).toEqual(['steps', 1, 'steps', 1]);
    expect(outline.pathTo(17, 4).path).toEqual(['steps', 2]);
    expect([...outline.entries(9, 4).keys()]).toEqual(['name', 'type', 'items', 'steps']);
    expect(outline.itemValues(12, 6, 'name')).toEqual(['pack', 'label']);
    expect(outline.itemValues(2, 2, 'name')).toEqual(['reserve', 'each', 'done']);
  });

  it('reads a list written at the column of its key', () => {
    const outline = new YamlOutline('name: x\nsteps:\n- name: a\n  type: task\n- name: b\n');
    expect(outline.pathTo(3, 2).path).toEqual(['steps', 0]);
    expect(outline.pathTo(4, 2).path).toEqual(['steps', 1]);
    expect(outline.itemValues(4, 0, 'name')).toEqual(['a', 'b']);
  });
});

describe('completion from the schema', () => {
  it('offers the top-level keys, required ones first, without those already there', () => {
    expect(labels('|')).toEqual(['name', 'steps', 'version', 'description', 'input', 'timeout', 'defaults', 'concurrency', 'schedules', 'triggers']);
    expect(labels('name: x\n|')).toEqual(['steps', 'version', 'description', 'input', 'timeout', 'defaults', 'concurrency', 'schedules', 'triggers']);
    expect(labels('name: x\nde|')).toEqual(['description', 'defaults']);
  });

  it("offers a step's keys by its type, and the step types", () => {
    expect(labels('steps:\n  - name: a\n    type: task\n    re|')).toEqual(['result', 'retry']);
    expect(labels('steps:\n  - name: a\n    type: wait\n    |')).toEqual(expect.arrayContaining(['event', 'correlate', 'onTimeout']));
    expect(labels('steps:\n  - name: a\n    type: |')).toEqual(['task', 'http', 'set', 'choice', 'parallel', 'map', 'wait', 'delay', 'workflow', 'compensate', 'continue', 'succeed', 'fail']);
    expect(labels('steps:\n  - name: a\n    type: ma|')).toEqual(['map']);
    expect(labels('steps:\n  - |')).toEqual(['name', 'type']);
    expect(labels('steps:\n- name: a\n  ty|')).toEqual(['type']);
  });

  it('offers the step names of the same list, and end, where a key names a step', () => {
    const [text] = at(STEPS);
    const inReserve = text.replace('      maxAttempts: 3\n', '      maxAttempts: 3\n    next: |\n');
    expect(labels(inReserve)).toEqual(['reserve', 'each', 'done', 'end']);
    const inPack = text.replace('        task: warehouse.pack\n', '        task: warehouse.pack\n        catch:\n          - errors: [Broken]\n            next: |\n');
    expect(labels(inPack)).toEqual(['pack', 'label', 'end']);
    expect(labels('steps:\n  - name: a\n    type: choice\n    otherwise: d|\n  - name: done\n    type: succeed\n')).toEqual(['done']);
  });

  it('offers keys inside a { } mapping on one line, and the values of a boolean or nothing', () => {
    expect(labels('steps:\n  - name: a\n    type: task\n    retry: { maxAttempts: 3, ba|')).toEqual(['backoffCoefficient']);
    expect(labels('steps:\n  - name: a\n    type: task\n    task: |')).toBeUndefined();
    expect(labels('name: x # |')).toBeUndefined();
  });

  it('replaces the word typed so far', () => {
    const [text, offset] = at('steps:\n  - name: a\n    type: task\n    ret|');
    const found = complete(text, offset)!;
    expect(text.slice(found.from, found.to)).toBe('ret');
    expect(found.items[0]).toEqual({ label: 'retry', insert: 'retry: ', detail: 'How failed attempts are retried before catch rules are consulted.' });
  });
});

describe('hover docs from the schema', () => {
  it("gives a key's description and its place, a step's by its type", () => {
    const [text] = at(STEPS);
    expect(describeKey(text, text.indexOf('maxAttempts') + 3)).toEqual({ where: 'steps[0].retry.maxAttempts', doc: 'Total attempts, the first included; 0 means no limit.' });
    expect(describeKey(text, text.indexOf('items:') + 1)).toEqual({ where: 'steps[1].items', doc: 'A JSONata expression giving the list to go through, like order.lines.' });
    expect(describeKey(text, text.indexOf('lines'))).toBeUndefined();
    expect(describeKey(text, 1)?.where).toBe('name');
  });
});

describe('the diff against the registered version', () => {
  const render = (before: string, after: string): string[] =>
    hunks(diffLines(before, after), 1).flatMap((h) => [`@@ -${h.oldStart} +${h.newStart} @@`, ...h.lines.map((l) => `${{ same: ' ', added: '+', removed: '-' }[l.kind]}${l.text}`)]);

  it('keeps what is common and marks the fewest lines removed and added, in hunks with context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    expect(render(before, 'a\nb\nC\nd\ne\nf\ng\nh\ni\n')).toEqual(['@@ -2 +2 @@', ' b', '-c', '+C', ' d', '@@ -8 +8 @@', ' h', '+i']);
    expect(render(before, before)).toEqual([]);
    expect(render('a\n', 'a\nb\n')).toEqual(['@@ -1 +1 @@', ' a', '+b']);
    expect(diffLines('x\ny\n', 'y\nx\n').filter((l) => l.kind !== 'same')).toHaveLength(2);
  });

  it('gives back both texts', () => {
    const before = 'name: a\nsteps:\n  - name: one\n  - name: two\n  - name: three\n';
    const after = 'name: a\nsteps:\n  - name: zero\n  - name: two\n  - name: three\n  - name: four\n';
    const lines = diffLines(before, after);
    expect(lines.filter((l) => l.kind !== 'added').map((l) => l.text).join('\n')).toBe(before.trimEnd());
    expect(lines.filter((l) => l.kind !== 'removed').map((l) => l.text).join('\n')).toBe(after.trimEnd());
  });
});
