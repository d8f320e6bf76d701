import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A MongoDB-protocol server for the MongoDB tests (FerretDB, unless MONGODB_URI names one).
    globalSetup: ['scripts/test-servers.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
