/** decide() tables for compensation: registration, the run on failure, cancel and timeout, and `compensate` steps. */
import { describe, expect, it } from 'vitest';
import { events, plan, run } from './harness.js';

const refund = plan(`
name: refund
steps:
  - name: charge
    type: http
    method: POST
    url: https://pay.example/charge
    timeout: 20s
    compensate: { url: "https://pay.example/refund/\${ charge.id }", method: POST, body: { why: undo }, timeout: 5s }
  - { name: boom, type: fail, error: Broken }
`);

describe('decide: http compensation', () => {
  it('calls the undo URL with its own timeout, the one its lease is given', async () => {
    const r = await run(refund, {}, { type: 'taskCompleted', taskId: 'i1:1:t1', output: { id: 'c7' } });
    expect(r.commands).toEqual([
      { type: 'removeTask', taskId: 'i1:1:t1' },
      {
        type: 'scheduleTask',
        task: {
          id: 'i1:1:k2',
          step: 'charge',
          type: '$http',
          queue: '$http',
          input: { method: 'POST', url: 'https://pay.example/refund/c7', body: { why: 'undo' }, timeoutMs: 5_000 },
          attempt: 1,
          timeoutMs: 5_000,
          heartbeatMs: null,
        },
      },
    ]);
    expect(events(r)).toContain('CompensationStarted charge');
  });
});
