import { defineConfig } from 'vitest/config'

// Tests that need Node rather than workerd: end-to-end runs against a real
// `wrangler dev` (test/e2e) and comparisons with native libraries (test/node).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts', 'test/node/**/*.test.ts'],
    testTimeout: 180_000,
    // Logs of passing tests are noise; a failing test shows all of its own.
    silent: 'passed-only',
    hookTimeout: 180_000,
  },
})
