/**
 * Loads a worker module: its default export maps task types to `async (input, ctx) => output`.
 * TypeScript modules are loaded through tsx, so workers need no build step of their own.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskHandler } from '../engine/local-workers.js';

export async function loadWorkerModule(path: string): Promise<Record<string, TaskHandler>> {
  const absolute = resolve(process.cwd(), path);
  const url = pathToFileURL(absolute).href;
  let module: { default?: unknown };
  try {
    if (/\.(c|m)?tsx?$/.test(absolute)) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(url, import.meta.url)) as { default?: unknown };
    } else {
      module = (await import(url)) as { default?: unknown };
    }
  } catch (err) {
    throw new Error(`could not load the worker module ${path}: ${(err as Error).message}`);
  }
  // A module outside an ESM package arrives wrapped once more by the CommonJS interop.
  const exported = module.default as { default?: unknown } | undefined;
  const handlers = exported && typeof exported === 'object' && 'default' in exported ? exported.default : exported;
  if (handlers === null || typeof handlers !== 'object') {
    throw new Error(`the worker module ${path} must have a default export mapping task types to functions`);
  }
  for (const [type, fn] of Object.entries(handlers)) {
    if (typeof fn !== 'function') throw new Error(`in the worker module ${path}, "${type}" is not a function`);
  }
  return handlers as Record<string, TaskHandler>;
}
