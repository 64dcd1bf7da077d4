/**
 * POST /images/direct-uploads (the owner makes a one-time URL) and POST on that URL (a browser
 * uploads without a token): one use, expiry, the same checks as POST /images, drafts, isolation.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseOrigins } from '../../src/lib/config'
import { runRepairCron } from '../../src/repair/cron'
import { fixture } from '../fixtures'
import { BASE, call, captureQueue, createUser, runQueue, storageCounts } from '../helpers'
import { bearer, expectProblem, requiresToken, type Headers, type User } from './auth'

let owner: User
beforeAll(async () => (owner = await createUser('direct-owner')))
const queue = captureQueue()
afterEach(() => queue.take())

const create = (token: string, body?: unknown) =>
  call(`/images/direct-uploads`, {
    method: 'POST',
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

const made = async (token = owner.token, body?: unknown) => {
  const res = await create(token, body)
  expect(res.status).toBe(201)
  return res.json<{ id: string; uploadURL: string; expiresAt: string }>()
}

/** The browser's upload: a plain multipart POST, no Authorization. */
const use = (uploadURL: string, file: Uint8Array, extra: Record<string, string> = {}, headers: Headers = {}) => {
  const form = new FormData()
  form.append('file', new Blob([file]), 'phone.jpg')
  for (const [k, v] of Object.entries(extra)) form.append(k, v)
  return call(new Request(uploadURL, { method: 'POST', body: form, headers }))
}

const photo = () => fixture('exif-orientation/Landscape_1.jpg')

describe('happy path', () => {
  it('makes a URL that takes one upload without a token; the image has the URL\'s id, metadata and privacy', async () => {
    const before = Date.now()
    const { id, uploadURL, expiresAt } = await made(owner.token, { metadata: { album: 'summer' }, expiresIn: 600 })
    expect(uploadURL).toMatch(new RegExp(`^${BASE}/direct-uploads/${id}\\?token=[A-Za-z0-9_-]{43}$`))
    expect(Date.parse(expiresAt) - before).toBeGreaterThanOrEqual(599_000)
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(601_000)

    // Until used: a draft, to its owner only.
    const draft = await (await call(`/images/${id}`, { headers: bearer(owner.token) })).json<any>()
    expect(draft).toMatchObject({ id, status: 'draft', private: false, metadata: { album: 'summer' }, expiresAt })
    await expectProblem(await call(`/images/${id}`), 404)

    const res = await use(uploadURL, photo(), { fileName: 'from-phone.jpg' })
    expect(res.status).toBe(202)
    expect(res.headers.get('location')).toBe(`/images/${id}`)
    const answer = await res.json<any>()
    // The uploader is not the owner: the public view.
    expect(answer).toMatchObject({ id, status: 'processing', private: false })
    expect(answer).not.toHaveProperty('userId')
    expect(answer).not.toHaveProperty('metadata')
    expect(queue.take()).toHaveLength(3)

    const mine = await (await call(`/images/${id}`, { headers: bearer(owner.token) })).json<any>()
    expect(mine).toMatchObject({ id, userId: owner.userId, fileName: 'from-phone.jpg', metadata: { album: 'summer' } })
    expect(new Uint8Array(await (await call(new Request(mine.url))).arrayBuffer())).toEqual(photo())
  })

  it('defaults to 30 minutes without a body', async () => {
    const before = Date.now()
    const { expiresAt } = await made()
    expect(Math.abs(Date.parse(expiresAt) - before - 30 * 60_000)).toBeLessThan(2000)
  })

  it('answers the browser with CORS headers for an allowed origin', async () => {
    const origin = parseOrigins(env.CORS_ALLOWED_ORIGINS)[0]!
    const { uploadURL } = await made()
    const res = await use(uploadURL, photo(), {}, { origin })
    expect(res.status).toBe(202)
    expect(res.headers.get('access-control-allow-origin')).toBe(origin)
    queue.take()
  })
})

describe('errors', () => {
  it('refuses a second use with 410, storing nothing more', async () => {
    const { uploadURL } = await made()
    expect((await use(uploadURL, photo())).status).toBe(202)
    queue.take()
    const before = await storageCounts()
    const problem = await expectProblem(await use(uploadURL, photo()), 410)
    expect(problem.type).toBe(`${BASE}/problems/upload-url-used`)
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
  })

  it('refuses an expired URL with 410 and hides its draft', async () => {
    const { id, uploadURL } = await made(owner.token, { expiresIn: 120 })
    await env.DB.prepare('UPDATE direct_uploads SET expires_at = ? WHERE id = ?').bind(Date.now() - 1, id).run()
    const before = await storageCounts()
    const problem = await expectProblem(await use(uploadURL, photo()), 410)
    expect(problem.type).toBe(`${BASE}/problems/upload-url-expired`)
    expect(await storageCounts()).toEqual(before)
    await expectProblem(await call(`/images/${id}`, { headers: bearer(owner.token) }), 404)
  })

  it('refuses the wrong content like POST /images, and the URL stays usable', async () => {
    const { id, uploadURL } = await made()
    const before = await storageCounts()
    await expectProblem(await use(uploadURL, new TextEncoder().encode('GIF89a not an image we take')), 415)
    await expectProblem(await use(uploadURL, new Uint8Array(0)), 422)
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
    expect((await use(uploadURL, photo())).status).toBe(202)
    expect(queue.take()).toHaveLength(3)
    expect((await (await call(`/images/${id}`)).json<any>()).id).toBe(id)
  })

  it('refuses metadata or privacy from the browser: the owner set them', async () => {
    const { uploadURL } = await made()
    const before = await storageCounts()
    await expectProblem(await use(uploadURL, photo(), { private: 'false' }), 400)
    await expectProblem(await use(uploadURL, photo(), { metadata: '{"x":1}' }), 400)
    expect(await storageCounts()).toEqual(before)
  })

  it('answers a wrong token or an unknown id with the same 404', async () => {
    const { id, uploadURL } = await made()
    const wrong = await expectProblem(await use(uploadURL.replace(/token=.*/, `token=${'A'.repeat(43)}`), photo()), 404)
    const unknown = await expectProblem(await use(`${BASE}/direct-uploads/${crypto.randomUUID()}?token=x`, photo()), 404)
    expect(wrong).toEqual(unknown)
    // Still usable with the right token.
    expect((await use(uploadURL, photo())).status).toBe(202)
    expect(id).toBeTruthy()
    queue.take()
  })

  it.each([
    ['an expiry under 2 minutes', { expiresIn: 119 }],
    ['an expiry over 6 hours', { expiresIn: 6 * 3600 + 1 }],
    ['metadata that is not an object', { metadata: [1, 2] }],
    ['metadata over 1024 bytes', { metadata: { text: 'x'.repeat(1100) } }],
    ['an unknown field', { colour: 'red' }],
  ])('refuses %s with 400', async (_name, body) => {
    await expectProblem(await create(owner.token, body), 400)
  })
})

describe('security', () => {
  requiresToken({ request: (headers: Headers) => new Request(`${BASE}/images/direct-uploads`, { method: 'POST', headers }) })

  it("shows a draft to its owner only: another user's token gets 404", async () => {
    const { id } = await made()
    const stranger = await createUser('stranger')
    const theirs = await expectProblem(await call(`/images/${id}`, { headers: bearer(stranger.token) }), 404)
    const unknownId = crypto.randomUUID()
    const unknown = await expectProblem(await call(`/images/${unknownId}`, { headers: bearer(stranger.token) }), 404)
    expect(theirs.detail.replace(id, '<id>')).toBe(unknown.detail.replace(unknownId, '<id>'))
  })

  it('makes the upload count against its owner, and the image belongs to the owner', async () => {
    const { id, uploadURL } = await made()
    expect((await use(uploadURL, photo())).status).toBe(202)
    await runQueue(queue.take())
    const row = await env.DB.prepare('SELECT user_id FROM images WHERE id = ?').bind(id).first<string>('user_id')
    expect(row).toBe(owner.userId)
  })

  it('the repair cron deletes spent direct uploads a day on, and keeps live ones', async () => {
    const live = await made()
    const old = await made()
    await env.DB.prepare('UPDATE direct_uploads SET expires_at = ? WHERE id = ?').bind(Date.now() - 25 * 3600_000, old.id).run()
    await runRepairCron(env)
    const left = (await env.DB.prepare('SELECT id FROM direct_uploads WHERE id IN (?, ?)').bind(live.id, old.id).all<{ id: string }>()).results.map((r) => r.id)
    expect(left).toEqual([live.id])
  })
})
