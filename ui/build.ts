/**
 * Bundles the web console into dist/ui/: index.html, app.js (with app.css beside it) and the
 * chunks loaded on demand (the graph renderer). Everything is served by `segue serve` at /ui,
 * so the console needs no network beyond the server.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SOURCE = fileURLToPath(new URL('./', import.meta.url));
const OUT = fileURLToPath(new URL('../dist/ui/', import.meta.url));

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
await build({
  entryPoints: { app: `${SOURCE}src/main.ts` },
  outdir: OUT,
  bundle: true,
  // Splitting keeps the graph renderer out of app.js: lists show before it has loaded.
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  target: 'es2022',
  platform: 'browser',
  tsconfig: `${SOURCE}tsconfig.json`,
  logLevel: 'warning',
});
await copyFile(`${SOURCE}index.html`, `${OUT}index.html`);
