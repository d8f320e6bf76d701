/** How a case's expectations read against how its instance ended: a diff, one line per difference. */
import { describe, expect, it } from 'vitest';
import { checkExpectations, diff, formatElapsed, type Outcome } from '../../workflow-tests/expectations.js';
import { parseDuration } from '../../definitions/duration.js';
import type { InstanceView } from '../../protocol/instances.js';

function ended(view: Partial<InstanceView>, rest: Partial<Outcome> = {}): Outcome {
  const full: InstanceView = {
    id: 'test', workflow: 'wf', version: 1, run: 1, status: 'COMPLETED', input: {}, output: null, error: null, data: {},
    current: [], parentId: null, createdAt: '', updatedAt: '', ...view,
  };
  return { view: full, path: [], compensations: [], waitingAt: [], elapsedMs: 0, ...rest };
}

const messages = (found: { message: string }[]): string[] => found.map((m) => m.message);

describe('diff', () => {
  it('names every field that differs, is missing or (exactly) is not expected', () => {
    const expected = { orderId: 'A-1', total: 25, lines: [{ sku: 'B', qty: 2 }], shipped: true };
    const actual = { orderId: 'A-2', total: 25, lines: [{ sku: 'B', qty: 3, note: 'x' }], extra: 1 };
    expect(diff(expected, actual, 'output', ['expect', 'output'], false)).toEqual([
      { path: ['expect', 'output', 'orderId'], message: 'output.orderId: expected "A-1", got "A-2"' },
      { path: ['expect', 'output', 'lines', 0, 'qty'], message: 'output.lines[0].qty: expected 2, got 3' },
      { path: ['expect', 'output', 'lines', 0], message: 'output.lines[0]: has note: "x", which the test does not expect' },
      { path: ['expect', 'output', 'shipped'], message: 'output.shipped: expected true, but there is no shipped' },
      { path: ['expect', 'output'], message: 'output: has extra: 1, which the test does not expect' },
    ]);
  });

  it('lets a partial match leave fields out at every depth, but not list entries', () => {
    expect(diff({ lines: [{ sku: 'B' }] }, { lines: [{ sku: 'B', qty: 3 }], total: 1 }, 'output', [], true)).toEqual([]);
    expect(messages(diff({ lines: [{ sku: 'B' }] }, { lines: [{ sku: 'B' }, { sku: 'C' }] }, 'output', [], true))).toEqual([
      'output.lines: expected a list of 1, got a list of 2: [{"sku":"B"},{"sku":"C"}]',
    ]);
    expect(messages(diff({ a: 1 }, null, 'output', [], true))).toEqual(['output: expected {"a":1}, got null']);
  });

  it('shows a long value cut short', () => {
    const [only] = diff('x', 'y'.repeat(500), 'output', [], false);
    expect(only!.message).toBe(`output: expected "x", got "${'y'.repeat(119)}…`);
  });
});

describe('checkExpectations', () => {
  const at = ['cases', 0, 'expect'];

  it('passes when everything expected is so', () => {
    const outcome = ended({ status: 'FAILED', error: { error: 'Declined', message: 'no', step: 'charge' } }, { path: ['a', 'charge'], compensations: ['a'], elapsedMs: 90_000 });
    const expect_ = { status: 'FAILED', error: { error: 'Declined', step: 'charge' }, path: ['a', 'charge'], compensations: ['a'], duration: '1m30s' };
    expect(checkExpectations(expect_, outcome, at)).toEqual([]);
    expect(checkExpectations({ error: 'Declined' }, outcome, at)).toEqual([]);
  });

  it('says what the status was instead, with the error or where it waits', () => {
    const failed = ended({ status: 'FAILED', error: { error: 'Declined', message: 'card ending 0000', step: 'charge' } });
    expect(checkExpectations({ status: 'COMPLETED' }, failed, at)).toEqual([
      { path: [...at, 'status'], message: 'status: expected COMPLETED, got FAILED with Declined: card ending 0000 (at step "charge")' },
    ]);
    const waiting = ended({ status: 'RUNNING' }, { waitingAt: ['decision'] });
    expect(messages(checkExpectations({ status: 'COMPLETED' }, waiting, at))).toEqual(['status: expected COMPLETED, got RUNNING, at decision']);
  });

  it('points at the first step of a path that differs, and shows the path taken', () => {
    const outcome = ended({}, { path: ['reserve', 'charge', 'ship', 'done'] });
    expect(checkExpectations({ path: ['reserve', 'charge', 'declined'] }, outcome, at)).toEqual([
      { path: [...at, 'path', 2], message: 'path: entry 3 is "ship", expected "declined"; got reserve → charge → ship → done' },
    ]);
    expect(messages(checkExpectations({ path: ['reserve', 'charge'] }, outcome, at))).toEqual(['path: 2 more after entry 2; got reserve → charge → ship → done']);
    expect(messages(checkExpectations({ compensations: ['reserve'] }, ended({}), at))).toEqual(['compensations: entry 1 is "reserve", but there are only 0; got none']);
  });

  it('compares errors by name, or by the fields given', () => {
    const outcome = ended({ status: 'FAILED', error: { error: 'Timeout', message: 'no result within 1m', step: 'ship' } });
    expect(checkExpectations({ error: 'Declined' }, outcome, at)).toEqual([
      { path: [...at, 'error'], message: 'error: expected "Declined", got "Timeout" (no result within 1m)' },
    ]);
    expect(checkExpectations({ error: { message: 'late' } }, outcome, at)).toEqual([
      { path: [...at, 'error', 'message'], message: 'error.message: expected "late", got "no result within 1m"' },
    ]);
    expect(messages(checkExpectations({ error: 'Declined' }, ended({}), at))).toEqual(['error: expected Declined, but the instance has no error']);
  });
});

describe('formatElapsed', () => {
  it('writes virtual time as a duration a test file can give back', () => {
    for (const ms of [0, 500, 1_500, 90_000, 3 * 86_400_000 + 3_600_000, 86_400_000 + 1]) {
      expect(parseDuration(formatElapsed(ms))).toBe(ms);
    }
    expect(formatElapsed(3 * 86_400_000 + 3_600_000 + 1_500)).toBe('3d1h1s500ms');
  });
});
