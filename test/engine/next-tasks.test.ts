/**
 * Tasks leased, as they are scheduled, to the remote worker whose results led to them: the draft
 * hands them over only once written, and every lease it does not hand over goes back.
 */
import { describe, expect, it } from 'vitest';
import { NextTasks } from '../../engine/task-queue.js';
import { TransitionDraft } from '../../engine/transition-draft.js';
import type { TaskRecord } from '../../engine/store/port.js';

function task(id: string, status: TaskRecord['status'] = 'LEASED'): TaskRecord {
  return {
    id,
    instanceId: 'i',
    run: 1,
    step: id,
    type: 't',
    queue: 'q',
    input: null,
    attempt: 1,
    status,
    timeoutMs: 1000,
    heartbeatMs: null,
    createdAt: 0,
    token: status === 'LEASED' ? `token-${id}` : null,
    worker: status === 'LEASED' ? 'w' : null,
    leasedAt: status === 'LEASED' ? 0 : null,
    leaseExpiresAt: status === 'LEASED' ? 1000 : null,
  };
}

describe('NextTasks', () => {
  it('leases only tasks of its queues, up to its room, and gets room back on release', () => {
    const next = new NextTasks({ queues: ['a', 'b'], worker: 'remote', max: 2 });
    expect(next.reserve('c')).toBeNull();
    const first = next.reserve('a');
    expect(first).toMatchObject({ worker: 'remote', token: expect.any(String) });
    expect(next.reserve('b')?.token).not.toBe(first?.token);
    expect(next.reserve('a')).toBeNull();
    next.release();
    expect(next.reserve('a')).not.toBeNull();
  });
});

describe('a draft with tasks leased to a remote worker', () => {
  it('hands over, once written, the tasks it still creates, and gives back the lease of one it dropped', () => {
    const next = new NextTasks({ queues: ['q'], worker: 'remote', max: 2 });
    const draft = new TransitionDraft();
    for (const id of ['kept', 'dropped']) {
      next.reserve('q');
      draft.createTasks.push(task(id));
      draft.leaseEagerly(id, next);
    }
    draft.removeTask('dropped');
    draft.settleEager(true);
    expect(next.delivered.map((t) => t.id)).toEqual(['kept']);
    expect(next.reserve('q')).not.toBeNull();
    expect(next.reserve('q')).toBeNull();
    // Settling again (a later error on the way out) hands nothing over twice.
    draft.settleEager(true);
    draft.settleEager(false);
    expect(next.delivered).toHaveLength(1);
  });

  it('gives every lease back when it is not written', () => {
    const next = new NextTasks({ queues: ['q'], worker: 'remote', max: 1 });
    const draft = new TransitionDraft();
    next.reserve('q');
    draft.createTasks.push(task('t'));
    draft.leaseEagerly('t', next);
    draft.settleEager(false);
    expect(next.delivered).toEqual([]);
    expect(next.reserve('q')).not.toBeNull();
  });

  it('never counts them among the tasks this process starts, before or after they are handed over', () => {
    const next = new NextTasks({ queues: ['q'], worker: 'remote', max: 1 });
    const draft = new TransitionDraft();
    draft.createTasks.push(task('remote'), task('local'), task('queued', 'QUEUED'));
    next.reserve('q');
    draft.leaseEagerly('remote', next);
    expect(draft.leasedToStart().map((t) => t.id)).toEqual(['local']);
    draft.settleEager(true);
    expect(draft.leasedToStart().map((t) => t.id)).toEqual(['local']);
  });
});
