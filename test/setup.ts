import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { loadContract } from './helpers'

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)

// The contract every answer is checked against, read before any test runs (so its request is in no test's logs).
await loadContract()
