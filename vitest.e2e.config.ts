import { defineConfig } from 'vitest/config'

// End-to-end: plain Node talking HTTP to a real `wrangler dev` that the test starts.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})
