/**
 * The web console's files, served at /ui from the bundle `npm run build` writes to dist/ui. The
 * console is a client of the public API like any other: these routes serve files only, and need
 * no key (the API calls the console makes do).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from './problems.js';

export interface UiOptions {
  /** Folder of the bundle. Default: dist/ui of this package. */
  dir?: string;
}

// Everything comes from this server; the graph renderer needs inline styles for its drawings.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/ui, whether this file runs compiled (dist/api/ui.js) or from source (api/ui.ts). */
function bundleDir(): string {
  const parent = dirname(dirname(fileURLToPath(import.meta.url)));
  return existsSync(join(parent, 'package.json')) ? join(parent, 'dist', 'ui') : join(parent, 'ui');
}

export function uiRouter(options: UiOptions = {}): express.Router {
  const dir = options.dir ?? bundleDir();
  const index = join(dir, 'index.html');
  const router = express.Router({ strict: false });
  router.use('/ui', (_req: Request, res: Response, next: NextFunction) => {
    if (!existsSync(index)) throw new ApiError('ROUTE_NOT_FOUND', 'the web console is not built: run "npm run build"');
    res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' });
    next();
  });
  router.get(['/ui', '/ui/'], (_req: Request, res: Response) => res.sendFile(index));
  router.use('/ui', express.static(dir, { index: false, redirect: false }));
  return router;
}
