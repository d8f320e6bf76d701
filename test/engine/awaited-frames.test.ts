/** Finding the frame a task's, timer's or child's result is for: an index checked against the frames as they are. */
import { expect, it } from 'vitest';
import { frameAwaiting } from '../../core/awaited-frames.js';
import type { Frame, Wait } from '../../core/model.js';

const frame = (id: string, wait?: Wait): Frame => ({ id, scope: '', step: 's', data: null, attempt: 1, ...(wait ? { wait } : {}) });

function frames(): Record<string, Frame> {
  return {
    a: frame('a', { kind: 'task', taskId: 't1' }),
    b: frame('b', { kind: 'retry', timerId: 'r1' }),
    c: frame('c', { kind: 'child', childId: 'kid', timerId: 'c1' }),
    d: frame('d', { kind: 'event', event: 'paid', key: null, timerId: 'e1' }),
    e: frame('e'),
  };
}

it('finds the frame awaiting a task, a timer or a child, and none for ids nobody awaits', () => {
  const f = frames();
  expect(frameAwaiting(f, 'task', 't1')?.id).toBe('a');
  expect(frameAwaiting(f, 'timer', 'r1')?.id).toBe('b');
  expect(frameAwaiting(f, 'child', 'kid')?.id).toBe('c');
  expect(frameAwaiting(f, 'timer', 'c1')?.id).toBe('c');
  expect(frameAwaiting(f, 'timer', 'e1')?.id).toBe('d');
  expect(frameAwaiting(f, 'task', 'r1')).toBeUndefined();
  expect(frameAwaiting(f, 'child', 't1')).toBeUndefined();
  expect(frameAwaiting(f, 'task', 'nobody')).toBeUndefined();
});

it('follows the frames as they change after a lookup: a new wait, a finished one, a removed frame, a new frame', () => {
  const f = frames();
  expect(frameAwaiting(f, 'task', 't1')?.id).toBe('a');
  f.a!.wait = { kind: 'task', taskId: 't2' };
  expect(frameAwaiting(f, 'task', 't1')).toBeUndefined();
  expect(frameAwaiting(f, 'task', 't2')?.id).toBe('a');
  f.b!.wait = undefined;
  expect(frameAwaiting(f, 'timer', 'r1')).toBeUndefined();
  delete f.a;
  expect(frameAwaiting(f, 'task', 't2')).toBeUndefined();
  f.z = frame('z', { kind: 'task', taskId: 't2' });
  expect(frameAwaiting(f, 'task', 't2')?.id).toBe('z');
  // Another frames object is indexed on its own.
  expect(frameAwaiting(frames(), 'task', 't1')?.id).toBe('a');
});
