/**
 * Polling a page's data: `refresh` answers how soon to look again — live (a running instance),
 * slow (a finished one, or a server that did not answer) or never. After an action, `hurry()`
 * looks at once and then often for a few seconds, so its effect shows as it happens.
 */

export type Pace = 'live' | 'slow' | 'stop';

export const PACE_MS: Record<Exclude<Pace, 'stop'>, number> = { live: 1_000, slow: 5_000 };
const HURRY_MS = 250;
const HURRY_FOR_MS = 3_000;

export class Poller {
  private hurryUntil = 0;
  private wake?: () => void;

  constructor(
    private readonly refresh: () => Promise<Pace>,
    private readonly leave: AbortSignal,
  ) {}

  /** Refreshes until `refresh` says stop or the page is left. */
  async run(): Promise<void> {
    let pace = await this.refresh();
    while (pace !== 'stop' && !this.leave.aborted) {
      await this.sleep(Date.now() < this.hurryUntil ? HURRY_MS : PACE_MS[pace]);
      if (!this.leave.aborted) pace = await this.refresh();
    }
  }

  /** Looks again now, and every HURRY_MS for HURRY_FOR_MS. */
  hurry(): void {
    this.hurryUntil = Date.now() + HURRY_FOR_MS;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.leave.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.leave.addEventListener('abort', done, { once: true });
    });
  }
}
