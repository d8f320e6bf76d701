/**
 * Circuit breakers for the engine's own HTTP calls, one per target host (host and port): after
 * `failureThreshold` failures in a row the breaker opens and calls fail fast with `CircuitOpen`
 * (retryable, so the step's retry policy decides what follows); after `openMs` it half-opens and
 * lets one trial call through, whose outcome closes it or opens it again.
 *
 * Written here rather than taken from opossum: opossum keeps time with real timers (its reset
 * timeout and rolling statistics are setTimeout and setInterval), while the engine's time is its
 * injectable clock, which tests move by hand. This state machine reads the clock when a call is
 * admitted, so it needs no timer at all.
 */
import { parseDuration } from '../definitions/duration.js';

export interface BreakerOptions {
  /** Failures in a row (connection failures, timeouts, 5xx and 429 answers) that open a host's breaker; 0 turns breakers off. */
  failureThreshold: number;
  /** How long an open breaker fails calls fast before it lets a trial call through. */
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, openMs: 30_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

export interface BreakerTransition {
  host: string;
  from: BreakerState;
  to: BreakerState;
}

/** Why a call was not sent: its host's breaker is open, or half-open with its trial call under way. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpen';
  readonly retryable = true;
}

interface Breaker {
  state: BreakerState;
  /** Failures in a row while closed. */
  failures: number;
  /** While open: when it half-opens. */
  openUntil: number;
  /** While half-open: a trial call is under way. */
  trying: boolean;
}

/** Most hosts remembered; the least recently called goes first (a closed breaker loses nothing but its count). */
const MAX_HOSTS = 10_000;

export class CircuitBreakers {
  private readonly hosts = new Map<string, Breaker>();
  private readonly listeners = new Set<(t: BreakerTransition) => void>();

  constructor(
    readonly options: BreakerOptions,
    private readonly now: () => number,
    private readonly maxHosts = MAX_HOSTS,
  ) {}

  /**
   * Runs `call` (`what`, in messages) under `host`'s breaker: refused with CircuitOpenError when
   * the breaker is open, and its outcome counted. `isFailure` says which errors count against the host.
   */
  async guard<T>(host: string, what: string, call: () => Promise<T>, isFailure: (err: unknown) => boolean): Promise<T> {
    if (this.options.failureThreshold <= 0) return call();
    const breaker = this.admit(host, what);
    let result: T;
    try {
      result = await call();
    } catch (err) {
      if (isFailure(err)) this.failed(host, breaker);
      else this.succeeded(host, breaker);
      throw err;
    }
    this.succeeded(host, breaker);
    return result;
  }

  /** Each host's state, by host. */
  states(): { host: string; state: BreakerState }[] {
    return [...this.hosts].map(([host, b]) => ({ host, state: this.current(host, b) })).sort((a, b) => (a.host < b.host ? -1 : 1));
  }

  /** Calls `listener` on every change of state; returns how to stop. */
  onTransition(listener: (t: BreakerTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private admit(host: string, what: string): Breaker {
    const breaker = this.hosts.get(host) ?? { state: 'closed', failures: 0, openUntil: 0, trying: false };
    this.hosts.delete(host);
    this.hosts.set(host, breaker);
    if (this.hosts.size > this.maxHosts) this.hosts.delete(this.hosts.keys().next().value!);
    const state = this.current(host, breaker);
    if (state === 'closed') return breaker;
    if (state === 'half-open' && !breaker.trying) {
      breaker.trying = true;
      return breaker;
    }
    const why =
      state === 'open'
        ? `it failed ${this.options.failureThreshold} times in a row; calls fail fast until ${new Date(breaker.openUntil).toISOString()}`
        : 'a trial call to it is under way';
    throw new CircuitOpenError(`${what} was not sent: the circuit breaker for host "${host}" is open, as ${why}`);
  }

  /** The state, half-opening an open breaker whose time is up. */
  private current(host: string, breaker: Breaker): BreakerState {
    if (breaker.state === 'open' && this.now() >= breaker.openUntil) this.move(host, breaker, 'half-open');
    return breaker.state;
  }

  private succeeded(host: string, breaker: Breaker): void {
    breaker.failures = 0;
    if (breaker.state === 'half-open') this.move(host, breaker, 'closed');
  }

  private failed(host: string, breaker: Breaker): void {
    breaker.failures += 1;
    // A closed breaker counts; a trial call that fails opens it again at once.
    if (breaker.state === 'half-open' || (breaker.state === 'closed' && breaker.failures >= this.options.failureThreshold)) {
      breaker.openUntil = this.now() + this.options.openMs;
      this.move(host, breaker, 'open');
    }
  }

  private move(host: string, breaker: Breaker, to: BreakerState): void {
    const from = breaker.state;
    breaker.state = to;
    breaker.trying = false;
    if (to === 'closed') breaker.failures = 0;
    for (const listener of this.listeners) listener({ host, from, to });
  }
}

/** SEGUE_HTTP_BREAKER_FAILURES (a whole number) and SEGUE_HTTP_BREAKER_OPEN (a duration). */
export function breakerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<BreakerOptions> {
  const options: Partial<BreakerOptions> = {};
  const failures = env.SEGUE_HTTP_BREAKER_FAILURES;
  if (failures !== undefined) {
    if (!/^\d{1,9}$/.test(failures)) throw new Error(`SEGUE_HTTP_BREAKER_FAILURES must be a whole number (0 turns breakers off), got "${failures}"`);
    options.failureThreshold = Number(failures);
  }
  const open = env.SEGUE_HTTP_BREAKER_OPEN;
  if (open !== undefined) {
    const ms = parseDuration(open);
    if (ms === null) throw new Error(`SEGUE_HTTP_BREAKER_OPEN must be a duration like 30s or 1m, got "${open}"`);
    options.openMs = ms;
  }
  return options;
}
