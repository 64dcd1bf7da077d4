import { env } from 'cloudflare:workers'
import { vi } from 'vitest'
import { loadContract } from './helpers'

// Each test file starts with an empty D1: apply every migration in one batch.
// (`applyD1Migrations` from `cloudflare:test` does the same, but importing that
// module costs seconds per test file; most files never need it.)
await env.DB.batch(env.TEST_MIGRATIONS.flatMap((m) => m.queries).map((sql) => env.DB.prepare(sql)))

// The contract every answer is checked against, read before any test runs (so its request is in no test's logs).
await loadContract()

// Fault tests inject failures with `vi.spyOn(env.DB, 'batch' | 'prepare')`, but the service runs every
// query in a D1 session (src/store/d1/session.ts). Sessions here therefore pass through the
// binding's own method while a test spies on it, and run in the real session otherwise.
{
  const realWithSession = env.DB.withSession.bind(env.DB)
  const passThrough = (start?: string) => {
    const session = realWithSession(start)
    return {
      prepare: (query: string) => (vi.isMockFunction(env.DB.prepare) ? env.DB.prepare(query) : session.prepare(query)),
      batch: (statements: D1PreparedStatement[]) => (vi.isMockFunction(env.DB.batch) ? env.DB.batch(statements) : session.batch(statements)),
      getBookmark: () => session.getBookmark(),
    } as D1DatabaseSession
  }
  Object.defineProperty(env.DB, 'withSession', { value: passThrough, configurable: true, writable: true })
}
