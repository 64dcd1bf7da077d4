declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
    FIXTURES: ArrayBuffer
    FIXTURE_INDEX: Record<string, [number, number]>
  }
}
