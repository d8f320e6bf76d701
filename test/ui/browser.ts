/**
 * What the console's end-to-end tests share: headless Debian Chromium (`apt-get install -y
 * chromium`) driven by playwright-core against a real `segue serve` on a fresh SQLite file (the
 * build must have run: `npm run build` writes dist/ui), a fresh tab per test, and the test itself
 * as the remote worker of the task types the examples' worker does not handle.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ClaimedTask, SegueClient } from '../../client/http-client.js';
import { eventually, REPO, startServer, tempDir, type TestServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const NARROW = { width: 400, height: 800 };
/** Screenshots land in a temporary folder, or in docs/images with SEGUE_SCREENSHOTS=docs/images. */
export const SHOTS = process.env.SEGUE_SCREENSHOTS ? join(REPO, process.env.SEGUE_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'segue-shots-'));

export interface ConsoleTab {
  page: Page;
  /** What the page logged as errors (CSP violations too). */
  errors: string[];
  /** Requests the page sent, as "GET /v1/instances/x" (query left out). */
  requests: string[];
  /** Resolves once no request of the page is in flight. */
  idle(): Promise<void>;
}

export interface ConsoleFixture {
  server: TestServer;
  browser: Browser;
  dir: string;
  /** A fresh tab on `path` of the console (`#/…`); with `clock`, the page's timers run only when the test moves its clock on. */
  open(path: string, options?: { viewport?: { width: number; height: number }; clock?: boolean; url?: string }): Promise<ConsoleTab>;
}

/**
 * The server and the browser of one test file, with the examples registered and the examples'
 * worker in the server's process (and `server`'s arguments and environment besides). Call at the
 * top of the file; the getter answers inside tests.
 */
export function consoleFixture(server: { args?: string[]; env?: Record<string, string> } = {}): () => ConsoleFixture {
  let fixture: ConsoleFixture | undefined;
  let tmp: ReturnType<typeof tempDir> | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`the console tests drive Chromium at ${CHROMIUM}, which is missing: install it with "apt-get install -y chromium"`);
    if (!existsSync(join(REPO, 'dist', 'ui', 'index.html'))) throw new Error('dist/ui is missing: run "npm run build" first (npm test does)');
    tmp = tempDir();
    const [started, browser] = await Promise.all([
      startServer(join(tmp.dir, 'console.db'), {
        args: ['--workflows', 'examples', '--worker', 'examples/workers/example-worker.ts', ...(server.args ?? [])],
        ...(server.env ? { env: server.env } : {}),
      }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] }),
    ]);
    fixture = { server: started, browser, dir: tmp.dir, open: (path, options) => openTab(started, browser, path, options) };
  });
  afterAll(async () => {
    await fixture?.browser.close();
    await fixture?.server.stop();
    tmp?.cleanup();
  });
  return () => {
    if (!fixture) throw new Error('the console fixture starts in beforeAll: use it inside a test or a hook');
    return fixture;
  };
}

async function openTab(server: TestServer, browser: Browser, path: string, options: Parameters<ConsoleFixture['open']>[1] = {}): Promise<ConsoleTab> {
  const page = await browser.newPage({ viewport: options.viewport ?? DESKTOP });
  if (options.clock) {
    // Paused: the page's timers fire only as advanceUntil moves the clock on.
    const now = Date.now();
    await page.clock.install({ time: now });
    await page.clock.pauseAt(now + 1000);
  }
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  let inFlight = 0;
  page.on('request', (request) => {
    inFlight += 1;
    const url = new URL(request.url());
    if (url.pathname.startsWith('/v1/')) requests.push(`${request.method()} ${decodeURIComponent(url.pathname)}`);
  });
  const settled = (): void => void (inFlight -= 1);
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  const idle = () => eventually(() => (inFlight === 0 ? true : undefined), { what: 'the page\'s requests to answer' }).then(() => undefined);
  await page.goto(`${options.url ?? server.url}/ui/${path}`);
  return { page, errors, requests, idle };
}

/** The graph node labelled `label` carrying the mark class `mark`. */
export function node(page: Page, label: string, mark: string) {
  return page.locator(`.graph g.node.${mark}`).filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) });
}

/** How far the page is wider than the window (0 or less: it fits). */
export function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Claims `count` tasks of `type` as worker `worker`, waiting for them to be scheduled. */
export async function claim(client: SegueClient, type: string, count: number, worker = 'console-test'): Promise<ClaimedTask[]> {
  const claimed: ClaimedTask[] = [];
  await eventually(async () => {
    claimed.push(...(await client.poll({ types: [type], worker, max: count - claimed.length, wait: '200ms' })));
    return claimed.length >= count ? true : undefined;
  }, { what: `${count} ${type} tasks` });
  return claimed;
}

/**
 * Moves the page's fake clock on by `ms` in small steps, letting the page's requests come back
 * between steps (their answers arrive in real time), until `done` holds; answers whether it did.
 */
export async function advanceUntil(tab: ConsoleTab, ms: number, done: () => Promise<boolean>): Promise<boolean> {
  const STEP = 100;
  for (let passed = 0; passed <= ms; passed += STEP) {
    if (await done()) return true;
    await tab.page.clock.runFor(STEP);
    // The answers of this step's requests come in real time: the page handles them before the next step.
    await tab.idle();
  }
  return done();
}

/** The rows of the timeline: label and outcome. */
export function timelineRows(page: Page): Promise<{ label: string; outcome: string }[]> {
  return page.locator('.span-row').evaluateAll((rows) =>
    rows.map((row) => ({
      label: row.querySelector('.span-step')?.textContent ?? '',
      outcome: row.className.split(' ').find((c: string) => c.startsWith('outcome-'))?.slice('outcome-'.length) ?? '',
    })),
  );
}

export { expect };
