import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

/** workerd has no file system: pack test/fixtures into one blob plus an index of [offset, length]. */
function packFixtures(root: string) {
  const index: Record<string, [number, number]> = {}
  const parts: Buffer[] = []
  let offset = 0
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else {
        const bytes = readFileSync(path)
        index[relative(root, path)] = [offset, bytes.length]
        parts.push(bytes)
        offset += bytes.length
      }
    }
  }
  walk(root)
  return { index, blob: new Uint8Array(Buffer.concat(parts)) }
}

// Unit and integration tests run inside workerd with real local D1, R2 and
// Queues. The config under test is the API Worker's: it consumes no variant queue, and its webhook
// messages go to a queue nobody consumes (queueProducers below), so tests drive `queue()` by hand
// and nothing races them.
export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations')
  const fixtures = packFixtures('./test/fixtures')
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // A short live-status stream, so the timeout path is tested in seconds.
          // The signing keys are secrets (never in wrangler.toml): fixed ones for tests.
          bindings: {
            TEST_MIGRATIONS: migrations,
            FIXTURE_INDEX: fixtures.index,
            EVENTS_MAX_SECONDS: '3',
            URL_SIGNING_KEY: 'test-signing-key-current-0123456789abcdef',
            URL_SIGNING_KEY_PREVIOUS: 'test-signing-key-previous-0123456789abcdef',
            // Webhook tests deliver to a receiver on 127.0.0.1 (test/webhooks/receiver.ts).
            WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
          },
          // Webhook messages go to a queue nobody consumes, so the API Worker's own consumer never
          // races a test: tests feed what was sent to `queue()` themselves (test/webhooks/helpers.ts).
          queueProducers: { WEBHOOK_QUEUE: { queueName: 'image-webhooks-under-test' } },
          dataBlobBindings: { FIXTURES: fixtures.blob },
        },
      }),
    ],
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['test/e2e/**', 'test/node/**'],
      setupFiles: ['./test/setup.ts'],
      globalSetup: ['./test/webhooks/receiver.ts'],
      testTimeout: 60_000,
      // Logs of passing tests are noise; a failing test shows all of its own.
      silent: 'passed-only' as const,
      // Only tests slower than this are listed one by one.
      slowTestThreshold: 10_000,
    },
  }
})
