import { describe, expect, it } from 'vitest';
import { closest, editDistance, fieldLabel, hint, listWords, ownerOf, showValue } from '../../definitions/messages.js';

describe('editDistance and closest', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('ship', 'ship')).toBe(0);
    expect(editDistance('shipp', 'ship')).toBe(1);
    expect(editDistance('taks', 'task')).toBe(1);
    expect(editDistance('retries', 'retry')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests a close word, ignoring case, and nothing for a far one', () => {
    expect(closest('retries', ['retry', 'result', 'timeout'])).toBe('retry');
    expect(closest('post', ['GET', 'POST'])).toBe('POST');
    expect(closest('escalte', ['ask', 'escalate'])).toBe('escalate');
    expect(closest('colour', ['name', 'type', 'task', 'input'])).toBeUndefined();
    expect(closest('give up', ['ask', 'escalate'])).toBeUndefined();
    expect(closest('ship', ['ship'])).toBeUndefined();
  });
});

const DEFINITION = {
  name: 'trip',
  steps: [
    { name: 'check', type: 'task', retry: { nonRetryable: ['A'] }, catch: [{ errors: ['X'], next: 'a' }] },
    {
      name: 'book all',
      type: 'parallel',
      branches: [{ name: 'hotel', steps: [{ name: 'book', type: 'task', input: { steps: [{ name: 'not a step' }] } }] }],
    },
    { name: 'each', type: 'map', steps: [{ type: 'task' }] },
  ],
  schedules: [{ cron: 'x' }],
};

describe('ownerOf', () => {
  it('finds the innermost step, in branches and map bodies', () => {
    expect(ownerOf(DEFINITION, ['steps', 1, 'branches', 0, 'steps', 0, 'task'])).toMatchObject({
      subject: 'step "book"',
      step: 'book',
      rel: ['task'],
    });
    expect(ownerOf(DEFINITION, ['steps', 2, 'steps', 0, 'task'])).toMatchObject({ subject: 'step number 1', rel: ['task'] });
    expect(ownerOf(DEFINITION, ['steps', 2, 'steps', 0]).step).toBeUndefined();
  });

  it('does not take a "steps" list inside a template for steps', () => {
    const owner = ownerOf(DEFINITION, ['steps', 1, 'branches', 0, 'steps', 0, 'input', 'steps', 0, 'name']);
    expect(owner.subject).toBe('step "book"');
    expect(owner.rel).toEqual(['input', 'steps', 0, 'name']);
  });

  it('is the workflow itself outside any step', () => {
    expect(ownerOf(DEFINITION, ['schedules', 0, 'cron'])).toMatchObject({ subject: '', rel: ['schedules', 0, 'cron'] });
  });
});

describe('fieldLabel', () => {
  const step = DEFINITION.steps[0];
  it('names fields as dotted paths and list entries in words', () => {
    expect(fieldLabel(step, ['retry', 'maxAttempts'])).toBe('"retry.maxAttempts"');
    expect(fieldLabel(step, ['catch', 0, 'next'])).toBe('"next" of catch rule 1');
    expect(fieldLabel(step, ['catch', 0, 'errors', 0])).toBe('error name 1 of catch rule 1');
    expect(fieldLabel(step, ['retry', 'nonRetryable', 1])).toBe('entry 2 of "retry.nonRetryable"');
    expect(fieldLabel(DEFINITION.steps[1], ['branches', 0, 'steps'])).toBe('"steps" of branch "hotel"');
    expect(fieldLabel(DEFINITION, ['schedules', 0, 'cron'])).toBe('"cron" of schedule 1');
  });
});

describe('small wording helpers', () => {
  it('turns a schema description into a hint that follows a colon', () => {
    expect(hint('The task type workers subscribe to, like payments.charge.')).toBe('the task type workers subscribe to, like payments.charge');
    expect(hint('A duration. More text.')).toBe('a duration');
    expect(hint('JSON Schema for the input.')).toBe('JSON Schema for the input');
    expect(hint(undefined)).toBe('');
  });

  it('shows values briefly', () => {
    expect(showValue('x'.repeat(60))).toBe(`"${'x'.repeat(40)}…"`);
    expect(showValue(null)).toBe('empty');
    expect(showValue([1])).toBe('a list');
    expect(showValue({ a: 1 })).toBe('a map of fields');
    expect(showValue(3)).toBe('3');
  });

  it('lists words', () => {
    expect(listWords(['a'])).toBe('a');
    expect(listWords(['a', 'b', 'c'])).toBe('a, b or c');
    expect(listWords(['a', 'b'], 'and')).toBe('a and b');
  });
});
