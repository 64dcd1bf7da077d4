/** GET /images: the caller's own images, newest first, in keyset pages. */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor } from '../../src/api/routes/list-images'
import { fixture } from '../fixtures'
import { BASE, call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { bearer, expectProblem, requiresToken } from './auth'

const queue = captureQueue()
afterEach(() => queue.take())

async function upload(token: string) {
  const res = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))
  expect(res.status).toBe(202)
  return res.json<any>()
}

const list = async (token: string, query = '') => (await call(new Request(`${BASE}/images${query}`, { headers: bearer(token) }))).json<any>()

describe('happy path', () => {
  it("lists only the caller's images, newest first, in the shape of GET /images/{id} plus the owner-only fields", async () => {
    const dana = await createUser('dana')
    const erin = await createUser('erin')
    const mine = []
    for (let i = 0; i < 3; i++) mine.push(await upload(dana.token))
    await upload(erin.token)
    await runQueue(queue.take())
    const res = await call(new Request(`${BASE}/images`, { headers: bearer(dana.token) }))
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toMatch(/no-store/)
    const page = await res.json<any>()
    expect(page.nextCursor).toBeNull()
    expect(page.items.map((i: any) => i.id)).toEqual(mine.map((i) => i.id).reverse())
    for (const item of page.items) {
      expect(item.userId).toBe(dana.userId)
      const { userId, fileName, metadata, ...shared } = item
      expect(typeof userId).toBe('string')
      expect(fileName === null || typeof fileName === 'string').toBe(true)
      expect(metadata).toBeNull()
      expect(shared).toEqual(await (await call(`/images/${item.id}`)).json())
      expect(item.variants.map((v: any) => v.status)).toEqual(['completed', 'completed', 'completed'])
    }
  })

  it('answers an empty page to a user with no images', async () => {
    const { token } = await createUser('new')
    expect(await list(token)).toEqual({ items: [], nextCursor: null })
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
        const page = await list(frank.token, `?${q}`)
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

  it('keeps cursors opaque but exact', () => {
    const c = { createdAt: 1_795_000_000_123, id: '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }
    const encoded = encodeCursor(c)
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor(encoded)).toEqual(c)
    expect(decodeCursor('%%%')).toBeNull()
  })
})

describe('errors', () => {
  it('refuses bad limits and cursors with 400 problem JSON', async () => {
    const { token } = await createUser('henry')
    const forged = btoa(JSON.stringify({ createdAt: 1, id: 'x' }))
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=2.5', 'cursor=not-a-cursor', `cursor=${forged}`, `cursor=${'A'.repeat(300)}`]) {
      await expectProblem(await call(new Request(`${BASE}/images?${q}`, { headers: bearer(token) })), 400)
    }
  })
})

describe('security', () => {
  requiresToken({ request: (headers) => new Request(`${BASE}/images`, { headers }) })

  it("never lists another user's images, and another user's cursor pages only through one's own", async () => {
    const owner = await createUser('olga')
    const stranger = await createUser('pete')
    const older = await upload(stranger.token)
    for (let i = 0; i < 3; i++) await upload(owner.token)
    const strangers = await list(stranger.token)
    expect(strangers.items.map((i: any) => i.id)).toEqual([older.id])
    // The owner's cursor points into the owner's images; in the stranger's hands it only says "older than this".
    const ownerPage = await list(owner.token, '?limit=1')
    expect(ownerPage.nextCursor).toEqual(expect.any(String))
    const withTheirCursor = await list(stranger.token, `?cursor=${ownerPage.nextCursor}`)
    expect(withTheirCursor).toEqual({ items: [expect.objectContaining({ id: older.id, userId: stranger.userId })], nextCursor: null })
  })
})
