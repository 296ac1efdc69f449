import { defineConfig } from 'vitest/config';

// Integration tests start real local servers (the API simulator, git http-backend), so they get
// generous timeouts; nothing here asserts on wall-clock time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
