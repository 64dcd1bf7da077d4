/**
 * Who can do what: tokens (missing, malformed, revoked, never echoed or
 * logged), listing and deleting one's own images only, the per-user upload
 * rate limit, and CORS for browser uploads.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { originAllowed } from '../src/api/cors'
import { RETRY_AFTER_SECONDS, uploadRateKey } from '../src/api/rate-limit'
import { decodeCursor, encodeCursor } from '../src/api/routes/list-images'
import { parseOrigins } from '../src/lib/config'
import { sha256Hex } from '../src/lib/crypto'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, runQueue, storageCounts, uploadRequest } from './helpers'

const queue = captureQueue()
afterEach(() => queue.take())

const small = () => fixture('pngsuite/basn2c08.png')
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

async function upload(token: string, bytes = small()) {
  const res = await call(uploadRequest(token, bytes))
  expect(res.status).toBe(202)
  return res.json<any>()
}

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  return res.json<any>()
}

describe('tokens', () => {
  let alice: { userId: string; token: string }
  beforeAll(async () => (alice = await createUser('alice')))

  const malformed = (t: string) => [
    ['no scheme', t],
    ['Basic scheme', `Basic ${btoa(`alice:${t}`)}`],
    ['scheme only', 'Bearer'],
    ['empty token', 'Bearer '],
    ['too short', 'Bearer img_abc'],
    ['two tokens', `Bearer ${t} ${t}`],
    ['trailing junk', `Bearer ${t}!`],
    ['far too long', `Bearer ${t}${'a'.repeat(300)}`],
    ['quoted', `Bearer "${t}"`],
  ]

  it.each(['POST /images', 'GET /images', 'DELETE /images/x'])('%s answers 401 to every missing or malformed token', async (route) => {
    const [method, path] = route.split(' ') as [string, string]
    const before = await storageCounts()
    const headerSets: Record<string, string>[] = [{}, ...malformed(alice.token).map(([, v]) => ({ authorization: v! }))]
    for (const headers of headerSets) {
      const body = method === 'POST' ? uploadRequest(null, small()) : null
      const req = new Request(`${BASE}${path}`, { method, headers: { ...headers, ...(body ? { 'content-type': body.headers.get('content-type')! } : {}) }, body: body?.body ?? null, duplex: 'half' } as RequestInit)
      const problem = await expectProblem(await call(req), 401)
      expect(problem.title).toBe('Unauthorized')
    }
    expect(await storageCounts()).toEqual(before)
  })

  it('answers 401 to a revoked token on every authenticated route, and the 401 says Bearer', async () => {
    const bob = await createUser('bob')
    const image = await upload(bob.token)
    await env.DB.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ?').bind(Date.now(), bob.userId).run()
    for (const req of [uploadRequest(bob.token, small()), new Request(`${BASE}/images`, { headers: auth(bob.token) }), new Request(`${BASE}/images/${image.id}`, { method: 'DELETE', headers: auth(bob.token) })]) {
      const res = await call(req)
      await expectProblem(res, 401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
    }
    // Revoking did not delete anything.
    expect((await call(`/images/${image.id}`)).status).toBe(200)
  })

  it('never puts a token (or its hash) in a response or a log line', async () => {
    const carol = await createUser('carol')
    const hash = await sha256Hex(carol.token)
    const lines: string[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    )
    const seen: string[] = []
    const record = async (res: Response) => {
      seen.push(String(res.status), JSON.stringify([...res.headers]), await res.text())
    }
    try {
      const up = await call(uploadRequest(carol.token, small(), { fileName: 'mine.png' }))
      const { id } = await up.clone().json<any>()
      await record(up)
      await runQueue(queue.take())
      await record(await call(new Request(`${BASE}/images?limit=5`, { headers: auth(carol.token) })))
      await record(await call(`/images/${id}`))
      await record(await call(uploadRequest(carol.token, new TextEncoder().encode('not an image'))))
      await record(await call(uploadRequest(carol.token + 'x', small())))
      await record(await call(new Request(`${BASE}/images/${id}`, { method: 'DELETE', headers: auth(carol.token) })))
      await env.DB.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ?').bind(Date.now(), carol.userId).run()
      await record(await call(uploadRequest(carol.token, small())))
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
    // The spies saw the service's own log lines, so an absent token means something.
    expect(lines.some((l) => l.includes('"event":"variant.completed"'))).toBe(true)
    expect(lines.filter((l) => l.includes('"event":"request"')).length).toBeGreaterThanOrEqual(7)
    for (const text of [...lines, ...seen]) {
      expect(text).not.toContain(carol.token)
      expect(text).not.toContain(carol.token.slice(4))
      expect(text).not.toContain(hash)
    }
  })
})

describe('GET /images', () => {
  it("lists only the caller's images, newest first, in the same shape as GET /images/{id}", async () => {
    const dana = await createUser('dana')
    const erin = await createUser('erin')
    const mine = []
    for (let i = 0; i < 3; i++) mine.push(await upload(dana.token))
    await upload(erin.token)
    await runQueue(queue.take())
    const res = await call(new Request(`${BASE}/images`, { headers: auth(dana.token) }))
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toMatch(/no-store/)
    const page = await res.json<any>()
    expect(page.nextCursor).toBeNull()
    expect(page.items.map((i: any) => i.id)).toEqual(mine.map((i) => i.id).reverse())
    for (const item of page.items) {
      expect(item.userId).toBe(dana.userId)
      expect(item).toEqual(await (await call(`/images/${item.id}`)).json())
      expect(item.variants.map((v: any) => v.status)).toEqual(['completed', 'completed', 'completed'])
    }
  })

  it('walks every image exactly once with keyset pages, also across equal timestamps', async () => {
    const frank = await createUser('frank')
    const other = await createUser('grace')
    // Rows straight into D1 so that many share a createdAt: the tie is what an offset-free cursor must get right.
    const ids: { id: string; createdAt: number }[] = []
    const stmts: D1PreparedStatement[] = []
    for (let i = 0; i < 45; i++) {
      const id = crypto.randomUUID()
      const createdAt = 1_700_000_000_000 + Math.floor(i / 4) * 1000
      ids.push({ id, createdAt })
      stmts.push(
        env.DB.prepare(
          `INSERT INTO images (id, user_id, image_path, width, height, status, content_type, bytes, sha256, created_at, updated_at)
           VALUES (?, ?, ?, 32, 32, 'completed', 'image/png', 100, ?, ?, ?)`,
        ).bind(id, i % 9 === 8 ? other.userId : frank.userId, `${id}/original_32x32_0000000000000000.png`, '0'.repeat(64), createdAt, createdAt),
      )
      for (const name of ['large', 'medium', 'thumb']) {
        stmts.push(
          env.DB.prepare(`INSERT INTO image_variants (id, original_image_id, name, width, height, status, content_type, updated_at) VALUES (?, ?, ?, 32, 32, 'processing', 'image/png', ?)`).bind(crypto.randomUUID(), id, name, createdAt),
        )
      }
    }
    await env.DB.batch(stmts)
    const frankIds = new Set(ids.filter((_, i) => i % 9 !== 8).map((r) => r.id))
    const expected = ids
      .filter((r) => frankIds.has(r.id))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .map((r) => r.id)

    const walk = async (limit?: number) => {
      const seen: string[] = []
      const sizes: number[] = []
      let cursor: string | null = null
      do {
        const q = new URLSearchParams()
        if (limit) q.set('limit', String(limit))
        if (cursor) q.set('cursor', cursor)
        const page = await (await call(new Request(`${BASE}/images?${q}`, { headers: auth(frank.token) }))).json<any>()
        for (const item of page.items) expect(item.variants).toHaveLength(3)
        seen.push(...page.items.map((i: any) => i.id))
        sizes.push(page.items.length)
        cursor = page.nextCursor
      } while (cursor)
      return { seen, sizes }
    }
    expect(expected).toHaveLength(40)
    const byFour = await walk(4)
    expect(byFour.seen).toEqual(expected)
    expect(byFour.sizes).toEqual(Array(10).fill(4))
    const byDefault = await walk()
    expect(byDefault.sizes).toEqual([20, 20])
    expect(byDefault.seen).toEqual(expected)
    const byMax = await walk(100)
    expect(byMax.sizes).toEqual([40])
  })

  it('refuses bad limits and cursors with 400 problem JSON', async () => {
    const { token } = await createUser('henry')
    const forged = btoa(JSON.stringify({ createdAt: 1, id: 'x' }))
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=2.5', 'cursor=not-a-cursor', `cursor=${forged}`, `cursor=${'A'.repeat(300)}`]) {
      await expectProblem(await call(new Request(`${BASE}/images?${q}`, { headers: auth(token) })), 400)
    }
  })

  it('keeps cursors opaque but exact', () => {
    const c = { createdAt: 1_795_000_000_123, id: '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }
    const encoded = encodeCursor(c)
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(encoded)).toEqual(c)
    expect(decodeCursor('%%%')).toBeNull()
  })
})

describe('DELETE /images/{id}', () => {
  let owner: { userId: string; token: string }
  let stranger: { userId: string; token: string }
  beforeAll(async () => {
    owner = await createUser('ivy')
    stranger = await createUser('jack')
  })
  const del = (id: string, token: string) => call(new Request(`${BASE}/images/${id}`, { method: 'DELETE', headers: auth(token) }))
  const rowsOf = async (id: string) => ({
    images: await env.DB.prepare('SELECT COUNT(*) AS n FROM images WHERE id = ?').bind(id).first('n'),
    variants: await env.DB.prepare('SELECT COUNT(*) AS n FROM image_variants WHERE original_image_id = ?').bind(id).first('n'),
  })
  const objectsOf = async (id: string) => (await env.IMAGES.list({ prefix: `${id}/` })).objects.map((o) => o.key)

  it('forgets the Idempotency-Key of a deleted image, so a retry uploads anew instead of naming it', async () => {
    const keyed = () => {
      const req = uploadRequest(owner.token, small())
      req.headers.set('idempotency-key', 'deleted-image')
      return req
    }
    const first = await (await call(keyed())).json<any>()
    queue.take()
    expect((await del(first.id, owner.token)).status).toBe(204)
    const keys = await env.DB.prepare('SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = ?').bind(owner.userId).first('n')
    expect(keys).toBe(0)
    const again = await call(keyed())
    expect(again.status).toBe(202)
    expect(again.headers.get('idempotent-replayed')).toBeNull()
    const body = await again.json<any>()
    expect(body.id).not.toBe(first.id)
    expect((await call(`/images/${body.id}`)).status).toBe(200)
  })

  it('removes the rows, the original, every variant file and their edge-cache entries', async () => {
    const image = await upload(owner.token)
    await runQueue(queue.take())
    const meta = await (await call(`/images/${image.id}`)).json<any>()
    const urls: string[] = [meta.url, ...meta.variants.map((v: any) => v.url)]
    expect(urls.every(Boolean)).toBe(true)
    expect(await objectsOf(image.id)).toHaveLength(4)
    // Served once, so each file is in the edge cache.
    for (const url of urls) expect((await call(new Request(url))).status).toBe(200)
    for (const url of urls) await vi.waitFor(async () => expect(await caches.default.match(new Request(url))).toBeDefined())

    const res = await del(image.id, owner.token)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(await rowsOf(image.id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(image.id)).toEqual([])
    for (const url of urls) {
      expect(await caches.default.match(new Request(url))).toBeUndefined()
      expect((await call(new Request(url))).status).toBe(404)
    }
    await expectProblem(await call(`/images/${image.id}`), 404)
    // Deleting again: it is gone.
    await expectProblem(await del(image.id, owner.token), 404)
  })

  it("answers 404, exactly like an unknown id, for someone else's image, and changes nothing", async () => {
    const image = await upload(owner.token)
    await runQueue(queue.take())
    const before = { rows: await rowsOf(image.id), objects: await objectsOf(image.id) }
    const theirs = await expectProblem(await del(image.id, stranger.token), 404)
    const unknownId = crypto.randomUUID()
    const unknown = await expectProblem(await del(unknownId, stranger.token), 404)
    expect({ ...theirs, detail: theirs.detail.replace(image.id, '') }).toEqual({ ...unknown, detail: unknown.detail.replace(unknownId, '') })
    expect({ rows: await rowsOf(image.id), objects: await objectsOf(image.id) }).toEqual(before)
    expect((await call(`/images/${image.id}`)).status).toBe(200)
    // The stranger's list does not show it either.
    const list = await (await call(new Request(`${BASE}/images`, { headers: auth(stranger.token) }))).json<any>()
    expect(list.items.map((i: any) => i.id)).not.toContain(image.id)
  })

  it('ends cleanly when the image is deleted between upload and processing', async () => {
    const image = await upload(owner.token, fixture('generated/alpha-640x480.png'))
    const messages = queue.take()
    expect(messages).toHaveLength(3)
    expect((await del(image.id, owner.token)).status).toBe(204)
    const result = await runQueue(messages)
    expect(result.retryMessages).toHaveLength(0)
    expect(result.explicitAcks).toHaveLength(3)
    expect(await rowsOf(image.id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(image.id)).toEqual([])
  })

  it('ends cleanly when the image is deleted while its variants are being written', async () => {
    const image = await upload(owner.token, fixture('generated/alpha-640x480.png'))
    const messages = queue.take()
    const realPut = env.IMAGES.put.bind(env.IMAGES)
    let deleted: Response | undefined
    // The real put, then (once) the owner's DELETE, right after the consumer stored its first variant.
    const spy = vi.spyOn(env.IMAGES, 'put').mockImplementation(async (...args: Parameters<R2Bucket['put']>) => {
      const stored = await realPut(...args)
      if (!deleted && String(args[0]).startsWith(`${image.id}/`)) deleted = await del(image.id, owner.token)
      return stored
    })
    try {
      const result = await runQueue(messages)
      expect(result.retryMessages).toHaveLength(0)
    } finally {
      spy.mockRestore()
    }
    expect(deleted?.status).toBe(204)
    expect(await rowsOf(image.id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(image.id)).toEqual([])
  })
})

describe('upload rate limit', () => {
  // The local binding counts in fixed windows on the wall clock; start well inside one.
  beforeAll(async () => {
    const into = Date.now() % 60_000
    if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 250))
  }, 30_000)

  /** Takes the rest of a key's budget through the real binding; returns how much was left. */
  async function drain(userId: string) {
    let left = 0
    while ((await env.UPLOAD_RATE_LIMITER.limit({ key: uploadRateKey(userId) })).success) {
      if (++left > 100_000) throw new Error('the limiter never said no')
    }
    return left
  }

  it('answers 429 with Retry-After past the per-user limit, stores nothing, and leaves other users alone', async () => {
    const kate = await createUser('kate')
    const leo = await createUser('leo')
    const minu = await createUser('minu')
    // Uploads spend the same budget as the key the middleware uses.
    await upload(kate.token)
    await upload(kate.token)
    queue.take()
    const leftForKate = await drain(kate.userId)
    const before = await storageCounts()
    const res = await call(uploadRequest(kate.token, small()))
    const problem = await expectProblem(res, 429)
    expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS))
    expect(problem.title).toBe('Too many requests')
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
    // Only uploads are limited, and only for kate.
    expect((await call(new Request(`${BASE}/images`, { headers: auth(kate.token) }))).status).toBe(200)
    await upload(leo.token)
    // A fresh user's whole budget is what kate had before her two uploads.
    const limit = await drain(minu.userId)
    expect(limit).toBeGreaterThanOrEqual(3)
    expect(leftForKate).toBe(limit - 2)
  })
})

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
})
