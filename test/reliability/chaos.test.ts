/**
 * The short chaos run: a real server killed with SIGKILL three times under a mixed workload of
 * real worker processes; every instance must still end as its input says, with no step completed
 * twice, no event lost or consumed twice, and every instance's terminal lifecycle event delivered. `npm run chaos` is the long run, with two servers.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, killPlan, runChaos, SHORT_RUN } from './chaos.js';

describe('chaos: kill -9 under load', () => {
  it('draws the same kill moments from the same seed, all within the period', () => {
    const plan = killPlan(SHORT_RUN);
    expect(killPlan(SHORT_RUN)).toEqual(plan);
    expect(plan.filter((a) => a.kind === 'kill')).toHaveLength(SHORT_RUN.kills);
    for (const action of plan) expect(action.atMs).toBeLessThan(SHORT_RUN.periodMs);
  });

  it('finishes every instance as expected across the crashes', async () => {
    const report = await runChaos(SHORT_RUN);
    expect(report.failures, formatReport(report)).toEqual([]);
    expect(report.kills.A).toBe(SHORT_RUN.kills);
    expect(report.restarts).toBe(SHORT_RUN.kills);
    expect(report.instances).toBe(SHORT_RUN.instances);
    expect(report.duplicateCompletions + report.lostEvents + report.duplicateEvents).toBe(0);
    expect(report.eventsRaised).toBe(SHORT_RUN.instances / 2);
    expect(report.terminalEvents).toBe(SHORT_RUN.instances);
    expect(report.missingTerminalEvents + report.unexpectedTerminalEvents).toBe(0);
  }, 90_000);
});
