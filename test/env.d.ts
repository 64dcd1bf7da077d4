declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
    URL_SIGNING_KEY: string
    URL_SIGNING_KEY_PREVIOUS: string
    FIXTURES: ArrayBuffer
    FIXTURE_INDEX: Record<string, [number, number]>
  }
}
