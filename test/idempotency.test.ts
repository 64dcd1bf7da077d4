/** `Idempotency-Key` on POST /images, with the real D1 unique constraint deciding races. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { openStore } from '../src/store'
import { purgeExpiredKeys } from '../src/store/d1/idempotency'
import { IDEMPOTENCY_TTL_MS, STALE_CLAIM_MS } from '../src/upload/idempotency'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, storageCounts, uploadRequest } from './helpers'

let alice: { userId: string; token: string }
let bob: { userId: string; token: string }
beforeAll(async () => {
  alice = await createUser('alice')
  bob = await createUser('bob')
})
const queue = captureQueue()
afterEach(() => {
  queue.take()
  vi.useRealTimers()
})

const PNG = () => fixture('pngsuite/basn2c08.png')
const OTHER = () => fixture('pngsuite/basn0g08.png')

function keyed(token: string, key: string, bytes = PNG(), fileName = 'a.png') {
  const req = uploadRequest(token, bytes, { fileName })
  req.headers.set('idempotency-key', key)
  return req
}

const keyRows = (userId: string, key: string) =>
  env.DB.prepare('SELECT * FROM idempotency_keys WHERE user_id = ? AND key = ?').bind(userId, key).all<any>().then((r) => r.results)

describe('Idempotency-Key on POST /images', () => {
  it('returns the first answer to a retry and stores nothing new', async () => {
    const first = await call(keyed(alice.token, 'retry-1'))
    expect(first.status).toBe(202)
    const body = await first.json<any>()
    expect(queue.take()).toHaveLength(3)
    const before = await storageCounts()

    const again = await call(keyed(alice.token, 'retry-1'))
    expect(again.status).toBe(202)
    expect(again.headers.get('location')).toBe(first.headers.get('location'))
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.json()).toEqual(body)
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
  })

  it('refuses the same key with a different body (422) and stores nothing', async () => {
    await call(keyed(alice.token, 'retry-2'))
    queue.take()
    const before = await storageCounts()
    for (const req of [keyed(alice.token, 'retry-2', OTHER()), keyed(alice.token, 'retry-2', PNG(), 'renamed.png')]) {
      const res = await call(req)
      expect(res.status).toBe(422)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(await res.json()).toMatchObject({ status: 422, type: expect.stringContaining('idempotency-key-reused'), detail: expect.stringMatching(/different upload/) })
    }
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
  })

  it('keeps users apart: the same key from two users makes two images', async () => {
    const a = await (await call(keyed(alice.token, 'shared-key'))).json<any>()
    const b = await (await call(keyed(bob.token, 'shared-key'))).json<any>()
    expect(a.id).not.toBe(b.id)
    expect(a.userId).toBe(alice.userId)
    expect(b.userId).toBe(bob.userId)
    // And bob's retry gets bob's image, not alice's.
    expect((await (await call(keyed(bob.token, 'shared-key'))).json<any>()).id).toBe(b.id)
  })

  it('makes one image out of duplicates sent at once', async () => {
    const before = await storageCounts()
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(keyed(alice.token, 'at-once'))))
    const ids = new Set<string>()
    for (const res of answers) {
      expect([202, 409]).toContain(res.status)
      if (res.status === 202) ids.add((await res.json<any>()).id)
    }
    expect(ids.size).toBe(1)
    expect((await storageCounts()).images).toBe(before.images! + 1)
  })

  it('frees the key when the first attempt failed, so the retry stores the upload', async () => {
    vi.spyOn(env.IMAGES, 'put').mockRejectedValueOnce(new Error('R2 down'))
    const failed = await call(keyed(alice.token, 'after-503'))
    expect(failed.status).toBe(503)
    expect(await keyRows(alice.userId, 'after-503')).toHaveLength(0)
    const retry = await call(keyed(alice.token, 'after-503'))
    expect(retry.status).toBe(202)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
  })

  it('answers a retry from the image when the first request stored it but died before saving its answer', async () => {
    const first = await (await call(keyed(alice.token, 'died'))).json<any>()
    queue.take()
    // The Worker died between the D1 batch (image rows + key link) and saving the answer.
    await env.DB.prepare('UPDATE idempotency_keys SET response_status = NULL, response_body = NULL WHERE user_id = ? AND key = ?').bind(alice.userId, 'died').run()
    const before = await storageCounts()
    const retry = await call(keyed(alice.token, 'died'))
    expect(retry.status).toBe(202)
    expect((await retry.json<any>()).id).toBe(first.id)
    expect(await storageCounts()).toEqual(before)
  })

  it('lets a retry take over a claim whose request died before storing anything', async () => {
    const now = Date.now()
    const insert = (key: string, createdAt: number) =>
      env.DB.prepare('INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .bind(alice.userId, key, 'fingerprint-of-another-body', 'dead', createdAt, createdAt + IDEMPOTENCY_TTL_MS)
        .run()
    // A different body is still a different body, even on a stale claim.
    await insert('stale', now - STALE_CLAIM_MS - 1000)
    expect((await call(keyed(alice.token, 'stale'))).status).toBe(422)
    // Same body (fingerprint) as the dead request: taken over.
    const fingerprint = (await keyRows(alice.userId, 'retry-1'))[0].fingerprint
    await env.DB.prepare('UPDATE idempotency_keys SET fingerprint = ? WHERE user_id = ? AND key = ?').bind(fingerprint, alice.userId, 'stale').run()
    expect((await call(keyed(alice.token, 'stale'))).status).toBe(202)
    // A fresh claim is someone still working: 409.
    await insert('fresh', now)
    await env.DB.prepare('UPDATE idempotency_keys SET fingerprint = ? WHERE user_id = ? AND key = ?').bind(fingerprint, alice.userId, 'fresh').run()
    expect((await call(keyed(alice.token, 'fresh'))).status).toBe(409)
  })

  it('forgets a key after 24 hours', async () => {
    const first = await (await call(keyed(alice.token, 'day-old'))).json<any>()
    // Age the key by a day rather than faking Date: a faked clock intermittently stalled the
    // workerd test runner after this test.
    const day = IDEMPOTENCY_TTL_MS + 1000
    await env.DB.prepare('UPDATE idempotency_keys SET created_at = created_at - ?, expires_at = expires_at - ? WHERE user_id = ? AND key = ?')
      .bind(day, day, alice.userId, 'day-old')
      .run()
    const later = await call(keyed(alice.token, 'day-old', OTHER()))
    expect(later.status).toBe(202)
    expect((await later.json<any>()).id).not.toBe(first.id)
  })

  it('has expired keys deleted by the repair cron, a bounded number per run', async () => {
    const now = Date.now()
    const total = (await env.DB.prepare('SELECT COUNT(*) AS n FROM idempotency_keys').first<number>('n'))!
    expect(total).toBeGreaterThan(3)
    expect(await purgeExpiredKeys(openStore(env), now)).toBe(0)
    expect(await purgeExpiredKeys(openStore(env), now + IDEMPOTENCY_TTL_MS * 2 + 1000, 2)).toBe(2)
    expect(await purgeExpiredKeys(openStore(env), now + IDEMPOTENCY_TTL_MS * 2 + 1000)).toBe(total - 2)
  })

  it('refuses a malformed key with 400', async () => {
    const before = await storageCounts()
    const res = await call(keyed(alice.token, 'x'.repeat(256)))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ status: 400, detail: expect.stringMatching(/Idempotency-Key/) })
    expect(await storageCounts()).toEqual(before)
  })
})
