/** The circuit breaker's states on the manual clock: no timer runs, the clock is read at each call. */
import { describe, expect, it } from 'vitest';
import { breakerOptionsFromEnv, CircuitBreakers, CircuitOpenError, type BreakerTransition } from '../../engine/circuit-breaker.js';
import { ManualClock } from '../../engine/clock.js';

class Refused extends Error {}
const countsAgainst = (err: unknown): boolean => !(err instanceof Refused);

function breakers(failureThreshold = 3, openMs = 10_000) {
  const clock = new ManualClock();
  const b = new CircuitBreakers({ failureThreshold, openMs }, () => clock.now());
  const seen: BreakerTransition[] = [];
  b.onTransition((t) => seen.push(t));
  let calls = 0;
  const call = (host: string, outcome: 'ok' | 'fail' | 'refused' | Promise<string> = 'ok') =>
    b.guard(host, `GET http://${host}/`, async () => {
      calls += 1;
      if (outcome === 'fail') throw new Error('connection refused');
      if (outcome === 'refused') throw new Refused('400');
      return outcome === 'ok' ? 'ok' : outcome;
    }, countsAgainst);
  return { b, clock, seen, call, calls: () => calls };
}

describe('circuit breakers', () => {
  it('open after failures in a row, fail fast without calling, half-open after openMs and close on a good trial', async () => {
    const { b, clock, seen, call, calls } = breakers();
    await expect(call('a:1', 'fail')).rejects.toThrow('connection refused');
    await expect(call('a:1', 'fail')).rejects.toThrow('connection refused');
    // An answer that is not the host's failure (a 4xx) breaks the run of failures.
    await expect(call('a:1', 'refused')).rejects.toThrow(Refused);
    await expect(call('a:1', 'fail')).rejects.toThrow('connection refused');
    await expect(call('a:1', 'fail')).rejects.toThrow('connection refused');
    expect(b.states()).toEqual([{ host: 'a:1', state: 'closed' }]);
    await expect(call('a:1', 'fail')).rejects.toThrow('connection refused');
    expect(b.states()).toEqual([{ host: 'a:1', state: 'open' }]);
    expect(calls()).toBe(6);

    const fast = await call('a:1').catch((err: unknown) => err);
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(fast).toMatchObject({ name: 'CircuitOpen', retryable: true });
    expect((fast as Error).message).toBe(
      `GET http://a:1/ was not sent: the circuit breaker for host "a:1" is open, as it failed 3 times in a row; calls fail fast until ${new Date(clock.now() + 10_000).toISOString()}`,
    );
    expect(calls()).toBe(6);
    // Other hosts are not affected.
    await expect(call('b:1')).resolves.toBe('ok');

    clock.advance(9_999);
    await expect(call('a:1')).rejects.toThrow(CircuitOpenError);
    clock.advance(1);
    expect(b.states()[0]).toEqual({ host: 'a:1', state: 'half-open' });
    await expect(call('a:1')).resolves.toBe('ok');
    expect(b.states()[0]).toEqual({ host: 'a:1', state: 'closed' });
    expect(calls()).toBe(8);
    expect(seen).toEqual([
      { host: 'a:1', from: 'closed', to: 'open' },
      { host: 'a:1', from: 'open', to: 'half-open' },
      { host: 'a:1', from: 'half-open', to: 'closed' },
    ]);
  });

  it('let one trial call through when half-open, and open again for openMs when it fails', async () => {
    const { b, clock, seen, call } = breakers(1, 5_000);
    await expect(call('h', 'fail')).rejects.toThrow();
    clock.advance(5_000);
    let finish!: (v: string) => void;
    const trial = call('h', new Promise<string>((resolve) => (finish = resolve)));
    await expect(call('h')).rejects.toThrow('a trial call to it is under way');
    finish('late');
    await expect(trial).resolves.toBe('late');
    expect(b.states()).toEqual([{ host: 'h', state: 'closed' }]);

    await expect(call('h', 'fail')).rejects.toThrow('connection refused');
    clock.advance(5_000);
    await expect(call('h', 'fail')).rejects.toThrow('connection refused');
    expect(b.states()).toEqual([{ host: 'h', state: 'open' }]);
    clock.advance(4_999);
    await expect(call('h')).rejects.toThrow(CircuitOpenError);
    expect(seen.map((t) => t.to)).toEqual(['open', 'half-open', 'closed', 'open', 'half-open', 'open']);
  });

  it('never open with a threshold of 0', async () => {
    const { b, call, calls } = breakers(0);
    for (let i = 0; i < 10; i += 1) await expect(call('h', 'fail')).rejects.toThrow('connection refused');
    expect(calls()).toBe(10);
    expect(b.states()).toEqual([]);
  });

  it('read their settings from the environment, refusing what is not a number or a duration', () => {
    expect(breakerOptionsFromEnv({ SEGUE_HTTP_BREAKER_FAILURES: '10', SEGUE_HTTP_BREAKER_OPEN: '2m' })).toEqual({ failureThreshold: 10, openMs: 120_000 });
    expect(breakerOptionsFromEnv({})).toEqual({});
    expect(() => breakerOptionsFromEnv({ SEGUE_HTTP_BREAKER_FAILURES: 'five' })).toThrow('SEGUE_HTTP_BREAKER_FAILURES must be a whole number (0 turns breakers off), got "five"');
    expect(() => breakerOptionsFromEnv({ SEGUE_HTTP_BREAKER_OPEN: 'soon' })).toThrow('SEGUE_HTTP_BREAKER_OPEN must be a duration like 30s or 1m, got "soon"');
  });
});
