/** GET /openapi.json: the contract itself (test/openapi.test.ts checks it against the routes the app serves). */
import { describe, expect, it } from 'vitest'
import { BASE, call } from '../helpers'
import { isPublic, type Headers } from './auth'

describe('happy path', () => {
  it('is an OpenAPI 3.1 JSON document naming this service as its server', async () => {
    const res = await call('/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const doc = await res.json<any>()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers).toEqual([{ url: BASE, description: expect.any(String) }])
  })
})

describe('errors', () => {
  it('a method it does not accept is a 405 listing GET, HEAD in Allow', async () => {
    const res = await call('/openapi.json', { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
    expect(await res.json()).toMatchObject({ status: 405, type: `${BASE}/problems/method-not-allowed` })
  })
})

describe('security', () => {
  isPublic({ request: (headers: Headers) => new Request(`${BASE}/openapi.json`, { headers }) })
})
