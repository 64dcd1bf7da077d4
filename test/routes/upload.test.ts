/**
 * POST /images. Happy path: the original, rows and queue messages, streamed into R2, and
 * Idempotency-Key replays. Errors: every refusal is a problem that leaves nothing behind, the
 * rate limit included. Security: the shared token checks, and users kept apart.
 * Duplicates in flight (one held inside its R2 put) are in test/idempotency-concurrency.test.ts,
 * alone in their file; the rate limiter failing closed is in test/config.test.ts.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { RETRY_AFTER_SECONDS, uploadRateKey } from '../../src/api/rate-limit'
import { openStore } from '../../src/store'
import { purgeExpiredKeys } from '../../src/store/d1/idempotency'
import { IDEMPOTENCY_TTL_MS, STALE_CLAIM_MS } from '../../src/upload/idempotency'
import { fixture } from '../fixtures'
import { BASE, call, captureQueue, createUser, expectRejected, storageCounts, uploadRequest } from '../helpers'
import { bearer, expectProblem, requiresToken, type User } from './auth'
import { jpegWithLateHeader, streamed } from './upload-bodies'

let token: string
let userId: string
let alice: User
let bob: User
beforeAll(async () => {
  ;({ token, userId } = await createUser())
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
const allKeys = async () => (await env.IMAGES.list()).objects.map((o) => o.key)

/** An upload with an Idempotency-Key. */
function keyed(token: string, key: string, bytes = PNG(), fileName = 'a.png') {
  const req = uploadRequest(token, bytes, { fileName })
  req.headers.set('idempotency-key', key)
  return req
}

const keyRows = (userId: string, key: string) =>
  env.DB.prepare('SELECT * FROM idempotency_keys WHERE user_id = ? AND key = ?').bind(userId, key).all<any>().then((r) => r.results)

describe('happy path', () => {
  it('stores the original, rows and one message per variant, and answers 202', async () => {
    const bytes = fixture('generated/photo-4000x3000.jpg')
    const res = await call(uploadRequest(token, bytes, { fileName: 'holiday.jpg' }))
    expect(res.status).toBe(202)
    const body = await res.json<any>()
    expect(res.headers.get('location')).toBe(`/images/${body.id}`)
    expect(body).toMatchObject({
      userId,
      status: 'processing',
      width: 4000,
      height: 3000,
      fileName: 'holiday.jpg',
      contentType: 'image/jpeg',
      bytes: bytes.byteLength,
    })
    expect(body.variants.map((v: any) => [v.name, v.width, v.height, v.status, v.url])).toEqual([
      ['large', 1440, 1080, 'processing', null],
      ['medium', 800, 600, 'processing', null],
      ['thumb', 200, 150, 'processing', null],
    ])
    // The original is in R2, byte for byte, under its content-hashed URL.
    const expectedSha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
    expect(body.sha256).toBe(expectedSha)
    expect(body.url).toMatch(new RegExp(`/files/${body.id}/original_4000x3000_${expectedSha.slice(0, 16)}\\.jpg$`))
    const object = await env.IMAGES.get(body.url.split('/files/')[1])
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes)
    // One message per variant, naming the rows.
    expect(queue.sent).toHaveLength(3)
    expect(new Set(queue.sent.map((m: any) => m.variantId))).toEqual(new Set(body.variants.map((v: any) => v.id)))
    const row = await env.DB.prepare('SELECT status FROM images WHERE id = ?').bind(body.id).first('status')
    expect(row).toBe('processing')
  })

  it('uses the part name when fileName is absent, and stores odd names safely', async () => {
    const bytes = fixture('pngsuite/basn2c08.png')
    const plain = await (await call(uploadRequest(token, bytes, { name: 'shot.png' }))).json<any>()
    expect(plain.fileName).toBe('shot.png')
    const odd = await (await call(uploadRequest(token, bytes, { fileName: '../../etc/pa\u0000ss\nwd' + 'x'.repeat(10_000) }))).json<any>()
    expect(odd.fileName).toMatch(/^\.\._\.\._etc_pa_ss_wdx+$/)
    expect(odd.fileName.length).toBe(255)
    expect(odd.url).not.toContain('etc')
  })

  describe('streamed into R2', () => {
    it('stores exactly the file when a field follows it (zero padding never reaches the original), and no staging object stays', async () => {
      const bytes = fixture('generated/photo-4000x3000.jpg')
      const res = await call(uploadRequest(token, bytes, { fileName: 'after-the-file.jpg' }))
      expect(res.status).toBe(202)
      const body = await res.json<any>()
      expect(body.fileName).toBe('after-the-file.jpg')
      const object = await env.IMAGES.get(body.url.split('/files/')[1])
      expect(object!.size).toBe(bytes.length)
      expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes)
      expect((await allKeys()).filter((k) => k.includes('/staging/'))).toEqual([])
    })

    it('accepts a body without Content-Length (buffered within the cap)', async () => {
      const bytes = fixture('generated/alpha-640x480.png')
      const req = uploadRequest(token, bytes)
      const res = await call(streamed(req, new Uint8Array(await req.arrayBuffer())))
      expect(res.status).toBe(202)
      const body = await res.json<any>()
      expect(body.sha256).toBe([...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join(''))
    })

    it('reads a JPEG frame header that follows 200 KB of segments', async () => {
      const res = await call(uploadRequest(token, jpegWithLateHeader(200 * 1024)))
      expect(res.status).toBe(202)
      expect(await res.json<any>()).toMatchObject({ width: 4000, height: 3000 })
    })
  })

  // Kept in this order: later tests read the rows earlier ones made.
  describe('Idempotency-Key', () => {
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

    // Not the route, but the end of its keys' life; last here, as it clears every key.
    it('has expired keys deleted by the repair cron, a bounded number per run', async () => {
      const now = Date.now()
      const total = (await env.DB.prepare('SELECT COUNT(*) AS n FROM idempotency_keys').first<number>('n'))!
      expect(total).toBeGreaterThan(3)
      expect(await purgeExpiredKeys(openStore(env), now)).toBe(0)
      expect(await purgeExpiredKeys(openStore(env), now + IDEMPOTENCY_TTL_MS * 2 + 1000, 2)).toBe(2)
      expect(await purgeExpiredKeys(openStore(env), now + IDEMPOTENCY_TTL_MS * 2 + 1000)).toBe(total - 2)
    })
  })
})

describe('errors (nothing is left behind)', () => {
  const cases: [string, () => Request, number, RegExp][] = [
    ['no file part', () => uploadRequest(token, null, { fileName: 'a.jpg' }), 400, /`file` field is missing/],
    ['a GIF named .jpg', () => uploadRequest(token, new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), { name: 'x.jpg', type: 'image/jpeg' }), 415, /JPEG and PNG/],
    ['text named .jpg', () => uploadRequest(token, new TextEncoder().encode('hello world'), { name: 'x.jpg' }), 415, /JPEG and PNG/],
    ['a file over 5 MB', () => uploadRequest(token, new Uint8Array(5 * 1024 * 1024 + 1).fill(0xff)), 413, /larger than the limit of 5 MB/],
    ['JPEG magic followed by HTML', () => uploadRequest(token, new Uint8Array([0xff, 0xd8, 0xff, ...new TextEncoder().encode('<html></html>')])), 422, /JPEG/],
    ['a JPEG over the pixel cap', () => uploadRequest(token, new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xea, 0x60, 0xea, 0x60, 1, 1, 0x11, 0, 0xff, 0xd9])), 422, /60000x60000.*limit/],
    // SOF2 (progressive) claiming 5000x4000: 20 MP is under MAX_PIXELS but over the progressive cap.
    ['a progressive JPEG over its own cap', () => uploadRequest(token, new Uint8Array([0xff, 0xd8, 0xff, 0xc2, 0, 11, 8, 0x0f, 0xa0, 0x13, 0x88, 1, 1, 0x11, 0, 0xff, 0xd9])), 422, /progressive JPEG of 5000x4000.*limit for progressive/],
    ['an empty file', () => uploadRequest(token, new Uint8Array()), 422, /empty/],
    ['a JSON body', () => new Request(`${BASE}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' }), 415, /multipart/],
  ]

  it.each(cases)('%s', async (_name, make, status, detail) => {
    await expectRejected(make(), status, detail, queue)
  })

  it('refuses a body larger than the limit even when Content-Length lies', async () => {
    const before = await storageCounts()
    const big = uploadRequest(token, new Uint8Array(6 * 1024 * 1024).fill(0xff))
    const body = await big.arrayBuffer()
    // A stream has no length to check up front: the reader must stop at the limit.
    const stream = new Blob([body]).stream()
    const res = await call(new Request(big.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': big.headers.get('content-type')! }, body: stream, duplex: 'half' } as RequestInit))
    expect(res.status).toBe(413)
    expect((await res.json<any>()).detail).toMatch(/limit of 5 MB/)
    expect(await storageCounts()).toEqual(before)
  })

  it('refuses two file parts', async () => {
    const form = new FormData()
    form.append('file', new Blob([fixture('pngsuite/basn2c08.png')]), 'a.png')
    form.append('file', new Blob([fixture('pngsuite/basn2c08.png')]), 'b.png')
    const res = await call(new Request(`${BASE}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }))
    expect(res.status).toBe(400)
    expect((await res.json<any>()).detail).toMatch(/exactly one/)
  })

  describe('streamed bodies', () => {
    it('a valid JPEG that passes 5 MB mid-stream: 413, the streamed put aborted', async () => {
      const big = jpegWithLateHeader(5 * 1024 * 1024 - fixture('generated/photo-4000x3000.jpg').length + 10)
      expect(big.length).toBeGreaterThan(5 * 1024 * 1024)
      await expectRejected(uploadRequest(token, big), 413, /larger than the limit of 5 MB/, queue)
      expect(await allKeys()).not.toContainEqual(expect.stringContaining('/staging/'))
    })

    it('the same without Content-Length: 413', async () => {
      const big = jpegWithLateHeader(5 * 1024 * 1024)
      const req = uploadRequest(token, big)
      await expectRejected(streamed(req, new Uint8Array(await req.arrayBuffer())), 413, /larger than the limit/, queue)
    })

    it('a JPEG frame header past the first 256 KB: 422 with the reason', async () => {
      await expectRejected(uploadRequest(token, jpegWithLateHeader(300 * 1024)), 422, /not found in the first 256 KB/, queue)
    })

    it('a second file part after a streamed file: 400', async () => {
      const form = new FormData()
      form.append('file', new Blob([fixture('generated/photo-4000x3000.jpg')]), 'a.jpg')
      form.append('file', new Blob([fixture('generated/photo-4000x3000.jpg')]), 'b.jpg')
      await expectRejected(new Request(`${BASE}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }), 400, /exactly one/, queue)
    })

    it('a body that breaks off mid-file: 400, nothing stored', async () => {
      const req = uploadRequest(token, fixture('generated/photo-4000x3000.jpg'))
      const bytes = new Uint8Array(await req.arrayBuffer())
      const before = await storageCounts()
      const res = await call(streamed(req, bytes, 512 * 1024))
      expect(res.status).toBe(400)
      expect(await storageCounts()).toEqual(before)
    })
  })

  describe('Idempotency-Key', () => {
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

    it('refuses a malformed key with 400', async () => {
      const before = await storageCounts()
      const res = await call(keyed(alice.token, 'x'.repeat(256)))
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ status: 400, detail: expect.stringMatching(/Idempotency-Key/) })
      expect(await storageCounts()).toEqual(before)
    })
  })

  describe('rate limit', () => {
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

    const upload = async (token: string) => expect((await call(uploadRequest(token, PNG()))).status).toBe(202)

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
      const res = await call(uploadRequest(kate.token, PNG()))
      const problem = await expectProblem(res, 429)
      expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS))
      expect(problem.title).toBe('Too many requests')
      expect(await storageCounts()).toEqual(before)
      expect(queue.sent).toHaveLength(0)
      // Only uploads are limited, and only for kate.
      expect((await call(new Request(`${BASE}/images`, { headers: bearer(kate.token) }))).status).toBe(200)
      await upload(leo.token)
      // A fresh user's whole budget is what kate had before her two uploads.
      const limit = await drain(minu.userId)
      expect(limit).toBeGreaterThanOrEqual(3)
      expect(leftForKate).toBe(limit - 2)
    })
  })
})

describe('security', () => {
  requiresToken(
    {
      request: (headers) => {
        const req = uploadRequest(null, PNG())
        for (const [name, value] of Object.entries(headers)) req.headers.set(name, value)
        return req
      },
    },
    queue,
  )

  it('keeps users apart: the same Idempotency-Key from two users makes two images', async () => {
    const a = await (await call(keyed(alice.token, 'shared-key'))).json<any>()
    const b = await (await call(keyed(bob.token, 'shared-key'))).json<any>()
    expect(a.id).not.toBe(b.id)
    expect(a.userId).toBe(alice.userId)
    expect(b.userId).toBe(bob.userId)
    // And bob's retry gets bob's image, not alice's.
    expect((await (await call(keyed(bob.token, 'shared-key'))).json<any>()).id).toBe(b.id)
  })
})
