/** One list of statuses: the API's schema and the Python package say what core/model.ts says. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import instanceStatus from '../../schemas/api/instance-status.json' with { type: 'json' };
import { INSTANCE_STATUSES, TERMINAL_STATUSES } from '../../core/model.js';

describe('instance statuses', () => {
  it('are the API schema enum, in the same order', () => {
    expect(instanceStatus.enum).toEqual([...INSTANCE_STATUSES]);
  });

  it('are the Python package InstanceStatus literal, in the same order', () => {
    const source = readFileSync(new URL('../../sdk/python/src/segue/types.py', import.meta.url), 'utf8');
    const literal = /InstanceStatus = Literal\[([^\]]*)\]/.exec(source)?.[1];
    expect(literal?.match(/"[A-Z_]+"/g)?.map((s) => JSON.parse(s) as string)).toEqual([...INSTANCE_STATUSES]);
  });

  it('end in every status but the live three', () => {
    expect([...TERMINAL_STATUSES]).toEqual(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);
  });
});
