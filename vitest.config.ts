import { defineConfig } from 'vitest/config';

// Integration tests start real local servers (the API simulator, git http-backend, a chart
// repository, an OCI registry) and run real binaries (git, kubectl, helm), so they get generous
// timeouts; nothing here asserts on wall-clock time. The global setup fetches helm once.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
