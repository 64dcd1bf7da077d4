/**
 * The /webhooks routes: register (secret once), list, read, change, delete, rotate the secret; the
 * URL policy of production configuration; owner isolation and tokens. Deliveries are tested in
 * test/webhooks/delivery.test.ts.
 */
import { env } from 'cloudflare:workers'
import { createExecutionContext } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../../src/api/app'
import { MAX_ENDPOINTS_PER_USER } from '../../src/store/d1/webhooks'
import { BASE, call, createUser, expectConforms } from '../helpers'
import { receiverUrl } from '../webhooks/helpers'
import { bearer, expectProblem, othersResourceIsUnknown, requiresToken, type User } from './auth'

let owner: User
beforeAll(async () => (owner = await createUser('hooks-owner')))

const json = (token: string, method: string, body?: unknown): RequestInit => ({
  method,
  headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  body: body === undefined ? undefined : JSON.stringify(body),
})

async function register(token: string, body: unknown) {
  const res = await call('/webhooks', json(token, 'POST', body))
  expect(res.status, await res.clone().text()).toBe(201)
  return res.json<any>()
}

const endpointCount = (userId: string) => env.DB.prepare('SELECT COUNT(*) AS n FROM webhook_endpoints WHERE user_id = ?').bind(userId).first<number>('n')

describe('happy path', () => {
  it('registers an endpoint for every event type by default, and shows the secret only then', async () => {
    const url = receiverUrl()
    const created = await register(owner.token, { url })
    expect(created).toMatchObject({ id: expect.any(String), url, events: ['image.completed', 'image.failed', 'image.deleted'], enabled: true, disabledReason: null, failingSince: null, lastSuccessAt: null })
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)

    const read = await (await call(`/webhooks/${created.id}`, json(owner.token, 'GET'))).json<any>()
    const { secret, ...shown } = created
    expect(read).toEqual(shown)
    const listed = await (await call('/webhooks', json(owner.token, 'GET'))).json<any>()
    expect(listed.items).toContainEqual(shown)
    expect(JSON.stringify(listed)).not.toContain(secret)
  })

  it('changes the URL and the event types, and disables and enables', async () => {
    const created = await register(owner.token, { url: receiverUrl(), events: ['image.completed'] })
    const url = receiverUrl()
    const changed = await (await call(`/webhooks/${created.id}`, json(owner.token, 'PATCH', { url, events: ['image.failed', 'image.deleted'] }))).json<any>()
    expect(changed).toMatchObject({ url, events: ['image.failed', 'image.deleted'], enabled: true })
    expect((await (await call(`/webhooks/${created.id}`, json(owner.token, 'PATCH', { enabled: false }))).json<any>()).enabled).toBe(false)
    expect((await (await call(`/webhooks/${created.id}`, json(owner.token, 'PATCH', { enabled: true }))).json<any>()).enabled).toBe(true)
  })

  it('rotates the secret: a new one, the old one kept for a day by default, or dropped at once', async () => {
    const created = await register(owner.token, { url: receiverUrl() })
    const res = await call(`/webhooks/${created.id}/rotate-secret`, json(owner.token, 'POST'))
    expect(res.status).toBe(200)
    const rotated = await res.json<any>()
    expect(rotated.secret).not.toBe(created.secret)
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000)
    const row = await env.DB.prepare('SELECT secret, previous_secret FROM webhook_endpoints WHERE id = ?').bind(created.id).first<any>()
    expect(row).toEqual({ secret: rotated.secret, previous_secret: created.secret })

    const now = await (await call(`/webhooks/${created.id}/rotate-secret`, json(owner.token, 'POST', { gracePeriodSeconds: 0 }))).json<any>()
    expect(now.previousSecretExpiresAt).toBeNull()
    expect(await env.DB.prepare('SELECT previous_secret FROM webhook_endpoints WHERE id = ?').bind(created.id).first('previous_secret')).toBeNull()
  })

  it('deletes an endpoint', async () => {
    const created = await register(owner.token, { url: receiverUrl() })
    expect((await call(`/webhooks/${created.id}`, json(owner.token, 'DELETE'))).status).toBe(204)
    await expectProblem(await call(`/webhooks/${created.id}`, json(owner.token, 'GET')), 404)
  })
})

describe('errors', () => {
  it.each([
    [{}, /url: /],
    [{ url: receiverUrl(), events: [] }, /events/],
    [{ url: receiverUrl(), events: ['image.uploaded'] }, /events/],
    [{ url: receiverUrl(), events: ['image.failed', 'image.failed'] }, /twice/],
    [{ url: receiverUrl(), secret: 'mine' }, /secret|Unrecognized/i],
  ])('refuses a malformed registration %j with 400, storing nothing', async (body, detail) => {
    const user = await createUser('bad-hooks')
    const problem = await expectProblem(await call('/webhooks', json(user.token, 'POST', body)), 400)
    expect(problem.detail).toMatch(detail)
    expect(await endpointCount(user.userId)).toBe(0)
  })

  it('refuses a URL that is no URL, or has credentials, with 422 even locally', async () => {
    for (const url of ['not a url', 'ftp://example.com/x', 'http://u:p@127.0.0.1/x']) {
      const problem = await expectProblem(await call('/webhooks', json(owner.token, 'POST', { url })), 422)
      expect(problem.type).toBe(`${BASE}/problems/webhook-url-refused`)
    }
  })

  it(`refuses an eleventh endpoint (at most ${MAX_ENDPOINTS_PER_USER})`, async () => {
    const user = await createUser('many-hooks')
    for (let i = 0; i < MAX_ENDPOINTS_PER_USER; i++) await register(user.token, { url: receiverUrl() })
    const problem = await expectProblem(await call('/webhooks', json(user.token, 'POST', { url: receiverUrl() })), 422)
    expect(problem.type).toBe(`${BASE}/problems/webhook-limit`)
    expect(await endpointCount(user.userId)).toBe(MAX_ENDPOINTS_PER_USER)
  })

  it('refuses a change to a refused URL and keeps the endpoint as it was', async () => {
    const created = await register(owner.token, { url: receiverUrl() })
    await expectProblem(await call(`/webhooks/${created.id}`, json(owner.token, 'PATCH', { url: 'gopher://x' })), 422)
    expect((await (await call(`/webhooks/${created.id}`, json(owner.token, 'GET'))).json<any>()).url).toBe(created.url)
  })
})

describe('production configuration (WEBHOOK_ALLOW_PRIVATE_URLS=false)', () => {
  /** The real app with the production value of the variable. */
  async function production(req: Request) {
    const res = await app.fetch(req, { ...env, WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }, createExecutionContext())
    const copy = new Response(await res.text(), res)
    await expectConforms({ method: req.method, url: req.url, headers: new Headers(req.headers) }, copy.clone())
    return copy
  }
  const post = (token: string, url: string) => new Request(`${BASE}/webhooks`, json(token, 'POST', { url }))

  it.each(['http://example.com/hook', 'https://localhost/hook', 'https://127.0.0.1/hook', 'https://10.0.0.8/hook', 'https://169.254.169.254/', 'https://[::1]/', 'https://intranet/hook'])(
    'refuses %s with 422, storing nothing',
    async (url) => {
      const user = await createUser('prod-hooks')
      const problem = await expectProblem(await production(post(user.token, url)), 422)
      expect(problem).toMatchObject({ type: `${BASE}/problems/webhook-url-refused`, detail: expect.stringMatching(/https|internal/) })
      expect(await endpointCount(user.userId)).toBe(0)
    },
  )

  it('accepts an https URL of a public host', async () => {
    const res = await production(post(owner.token, 'https://hooks.example.com/images'))
    expect(res.status).toBe(201)
  })

  it('refuses a change to a private URL too', async () => {
    const created = await register(owner.token, { url: 'https://hooks.example.com/a' })
    const res = await production(new Request(`${BASE}/webhooks/${created.id}`, json(owner.token, 'PATCH', { url: 'https://192.168.0.10/' })))
    await expectProblem(res, 422)
  })
})

describe('security', () => {
  const hook = async (user: User) => (await register(user.token, { url: receiverUrl() })).id as string
  describe('POST /webhooks', () => requiresToken({ request: (headers) => new Request(`${BASE}/webhooks`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ url: receiverUrl() }) }) }))
  describe('GET /webhooks', () => requiresToken({ request: (headers) => new Request(`${BASE}/webhooks`, { headers }) }))
  describe('GET /webhooks/{id}', () => {
    requiresToken({ request: (headers, id) => new Request(`${BASE}/webhooks/${id}`, { headers }), create: hook })
    othersResourceIsUnknown({ request: (headers, id) => new Request(`${BASE}/webhooks/${id}`, { headers }), create: hook })
  })
  const snapshot = (id: string) => env.DB.prepare('SELECT * FROM webhook_endpoints WHERE id = ?').bind(id).first()
  describe('PATCH /webhooks/{id}', () => {
    const request = (headers: Record<string, string>, id: string) => new Request(`${BASE}/webhooks/${id}`, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ enabled: false }) })
    requiresToken({ request, create: hook })
    othersResourceIsUnknown({ request, create: hook, snapshot })
  })
  describe('DELETE /webhooks/{id}', () => {
    const request = (headers: Record<string, string>, id: string) => new Request(`${BASE}/webhooks/${id}`, { method: 'DELETE', headers })
    requiresToken({ request, create: hook })
    othersResourceIsUnknown({ request, create: hook, snapshot })
  })
  describe('POST /webhooks/{id}/rotate-secret', () => {
    const request = (headers: Record<string, string>, id: string) => new Request(`${BASE}/webhooks/${id}/rotate-secret`, { method: 'POST', headers })
    requiresToken({ request, create: hook })
    othersResourceIsUnknown({ request, create: hook, snapshot })
  })

  it("lists only the caller's own endpoints", async () => {
    const a = await createUser('list-a')
    const b = await createUser('list-b')
    const mine = await register(a.token, { url: receiverUrl() })
    await register(b.token, { url: receiverUrl() })
    const listed = await (await call('/webhooks', json(a.token, 'GET'))).json<any>()
    expect(listed.items.map((e: any) => e.id)).toEqual([mine.id])
  })
})
