/**
 * Configuration comes from wrangler.toml's [vars] and is validated before the first request is
 * served: a missing or malformed variable, or a missing rate-limit binding, fails every request
 * loudly (500 problem naming it, logged), never runs on a guess. The rate limiter fails closed.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../src/api/app'
import { readConfig } from '../src/lib/config'
import { fixture } from './fixtures'
import { BASE, captureQueue, createUser, storageCounts, uploadRequest } from './helpers'

afterEach(() => vi.restoreAllMocks())

const app = createApp()
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext
const fetchWith = (vars: Record<string, unknown>, req: Request = new Request(`${BASE}/images/none`)) => app.fetch(req, { ...env, ...vars }, ctx)

describe('configuration', () => {
  it('reads the shipped wrangler.toml vars', () => {
    expect(readConfig(env)).toMatchObject({ maxUploadBytes: 5 * 1024 * 1024, repairAfterMs: 900_000, publicBaseUrl: null })
  })

  for (const [name, vars, mention] of [
    ['a malformed number', { MAX_UPLOAD_BYTES: '5 MB' }, /MAX_UPLOAD_BYTES: must be a whole number/],
    ['an upload cap above what the memory plan allows', { MAX_UPLOAD_BYTES: String(6 * 1024 * 1024) }, /MAX_UPLOAD_BYTES/],
    ['a missing variable', { REPAIR_AFTER_SECONDS: undefined }, /REPAIR_AFTER_SECONDS/],
    ['a base URL that is not one', { PUBLIC_BASE_URL: 'images.example.com' }, /PUBLIC_BASE_URL/],
    ['a missing rate-limit binding', { UPLOAD_RATE_LIMITER: undefined }, /UPLOAD_RATE_LIMITER: the rate-limit binding is missing/],
    ['no URL signing key (a secret)', { URL_SIGNING_KEY: undefined }, /URL_SIGNING_KEY: is not set/],
    ['a short URL signing key', { URL_SIGNING_KEY: 'short' }, /URL_SIGNING_KEY: must be at least 32 characters/],
  ] as const) {
    it(`refuses to serve with ${name}: 500 problem naming it, logged`, async () => {
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
      const res = await fetchWith(vars)
      expect(res.status).toBe(500)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect((await res.json<{ detail: string }>()).detail).toMatch(mention)
      expect(errors.mock.calls.map((c) => String(c[0])).some((line) => line.includes('"config.invalid"'))).toBe(true)
    })
  }
})

describe('upload rate limiter', () => {
  it('fails closed: when the binding errors the upload is refused with 503 and nothing is stored', async () => {
    const { token } = await createUser('rate-limit-down')
    const queue = captureQueue()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const broken = { limit: async () => Promise.reject(new Error('limiter down')) }
    const before = await storageCounts()
    const res = await fetchWith({ UPLOAD_RATE_LIMITER: broken }, uploadRequest(token, fixture('pngsuite/basn2c08.png')))
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toEqual([])
    queue.restore()
  })
})
