import { env } from 'cloudflare:workers'
import { loadContract } from './helpers'

// Each test file starts with an empty D1: apply every migration in one batch.
// (`applyD1Migrations` from `cloudflare:test` does the same, but importing that
// module costs seconds per test file; most files never need it.)
await env.DB.batch(env.TEST_MIGRATIONS.flatMap((m) => m.queries).map((sql) => env.DB.prepare(sql)))

// The contract every answer is checked against, read before any test runs (so its request is in no test's logs).
await loadContract()
