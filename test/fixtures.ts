import { env } from 'cloudflare:workers'

/** Bytes of a file under test/fixtures (packed by vitest.config.ts). */
export function fixture(path: string): Uint8Array {
  const entry = env.FIXTURE_INDEX[path]
  if (!entry) throw new Error(`No fixture ${path}`)
  return new Uint8Array(env.FIXTURES, entry[0], entry[1]).slice()
}

export const fixtureNames = (prefix: string) => Object.keys(env.FIXTURE_INDEX).filter((p) => p.startsWith(prefix)).sort()
