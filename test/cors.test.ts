/** CORS for browser access to /images (every route under it): allowed origins only, preflight, actual and error answers. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { originAllowed } from '../src/api/cors'
import { parseOrigins } from '../src/lib/config'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, uploadRequest } from './helpers'

const queue = captureQueue()
afterEach(() => queue.take())

const small = () => fixture('pngsuite/basn2c08.png')
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

describe('CORS', () => {
  const allowed = parseOrigins(env.CORS_ALLOWED_ORIGINS)[0]!
  const evil = 'https://evil.example'
  let token: string
  beforeAll(async () => ({ token } = await createUser('nina')))

  it('is configured with at least one origin for this test', () => {
    expect(allowed).toMatch(/^https?:\/\//)
  })

  it('answers a preflight from an allowed origin, allowing Authorization', async () => {
    for (const path of ['/images', '/images/some-id']) {
      const res = await call(new Request(`${BASE}${path}`, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': path === '/images' ? 'POST' : 'DELETE', 'access-control-request-headers': 'authorization, content-type' } }))
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBe(allowed)
      expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/)
      expect(res.headers.get('access-control-allow-methods')).toMatch(/DELETE/)
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/)
      expect(res.headers.get('access-control-allow-credentials')).toBeNull()
      expect(res.headers.get('vary')).toMatch(/Origin/)
    }
  })

  it('lets an allowed page read the upload answer and its Location, and error answers too', async () => {
    const req = uploadRequest(token, small())
    req.headers.set('origin', allowed)
    const res = await call(req)
    expect(res.status).toBe(202)
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed)
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Location/)
    expect(res.headers.get('location')).toMatch(/^\/images\//)
    const denied = await call(new Request(`${BASE}/images`, { headers: { origin: allowed } }))
    expect(denied.status).toBe(401)
    expect(denied.headers.get('access-control-allow-origin')).toBe(allowed)
  })

  it('gives another origin no CORS headers at all', async () => {
    const preflight = await call(new Request(`${BASE}/images`, { method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } }))
    const req = uploadRequest(token, small())
    req.headers.set('origin', evil)
    const actual = await call(req)
    const list = await call(new Request(`${BASE}/images`, { headers: { origin: evil, ...auth(token) } }))
    for (const res of [preflight, actual, list]) {
      expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([])
    }
  })

  it('matches origins exactly, with `*` as the only wildcard', () => {
    expect(parseOrigins(' https://a.example/ , http://localhost:5173,,')).toEqual(['https://a.example', 'http://localhost:5173'])
    expect(originAllowed('https://a.example', ['https://a.example'])).toBe(true)
    expect(originAllowed('https://a.example.evil.example', ['https://a.example'])).toBe(false)
    expect(originAllowed('http://a.example', ['https://a.example'])).toBe(false)
    expect(originAllowed('null', ['*'])).toBe(false)
    expect(originAllowed(undefined, ['*'])).toBe(false)
    expect(originAllowed('https://any.example', ['*'])).toBe(true)
    expect(originAllowed('https://a.example', [])).toBe(false)
  })

  it('sends Vary: Origin once on /images answers', async () => {
    const { token } = await createUser()
    for (const [path, init] of [
      ['/images', { headers: { origin: 'https://elsewhere.test', authorization: `Bearer ${token}` } }],
      ['/images/none', { headers: { origin: 'https://elsewhere.test' } }],
    ] as const) {
      const res = await call(path, init)
      expect(res.headers.get('vary'), path).toBe('Origin')
    }
  })
})
