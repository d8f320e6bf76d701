/**
 * Vitest's global setup: a MongoDB-protocol server for the MongoDB tests. With MONGODB_URI set,
 * the tests use that server. Otherwise FerretDB is built (once; see scripts/ferretdb/server.ts) and
 * started on a free loopback port in a temporary folder, MONGODB_URI points the tests at it, and it
 * is stopped after the run. Under CI (CI=true) a missing `go` or a failed build fails the run;
 * elsewhere the MongoDB tests are reported skipped, and the reason is printed here.
 */
import { hasGo, installFerretDb, startFerretDb, FERRETDB_VERSION } from './ferretdb/server.js';

const say = (line: string): void => void process.stderr.write(`[test servers] ${line}\n`);

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.MONGODB_URI) {
    say('MongoDB tests run against MONGODB_URI');
    return undefined;
  }
  try {
    if (!(await hasGo())) throw new Error('`go` is not on the PATH (FerretDB is built with Go); install Go, or set MONGODB_URI');
    const installed = await installFerretDb();
    const server = await startFerretDb(installed.binary);
    process.env.MONGODB_URI = server.uri;
    const install = installed.built ? `built in ${(installed.ms / 1000).toFixed(1)} s` : 'build cached';
    say(`FerretDB ${FERRETDB_VERSION} on SQLite at ${server.uri}: ${install}, started in ${(server.startMs / 1000).toFixed(1)} s`);
    return () => server.stop();
  } catch (err) {
    const reason = (err as Error).message;
    if (inCi()) throw new Error(`the MongoDB tests need a server, and none could be started: ${reason}`);
    say(`MongoDB tests skipped: ${reason}`);
    return undefined;
  }
}
