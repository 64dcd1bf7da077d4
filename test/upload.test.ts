import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, expectRejected, storageCounts, uploadRequest } from './helpers'

let token: string
let userId: string
beforeAll(async () => ({ token, userId } = await createUser()))

const queue = captureQueue()
afterEach(() => queue.take())

describe('POST /images (happy path)', () => {
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
})

describe('POST /images (rejections leave nothing behind)', () => {
  const cases: [string, () => Request, number, RegExp][] = [
    ['no token', () => uploadRequest(null, fixture('pngsuite/basn2c08.png')), 401, /token/i],
    ['an unknown token', () => uploadRequest('img_' + 'x'.repeat(40), fixture('pngsuite/basn2c08.png')), 401, /unknown or revoked/],
    ['no file part', () => uploadRequest(token, null, { fileName: 'a.jpg' }), 400, /`file` field is missing/],
    ['a GIF named .jpg', () => uploadRequest(token, new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), { name: 'x.jpg', type: 'image/jpeg' }), 415, /JPEG and PNG/],
    ['text named .jpg', () => uploadRequest(token, new TextEncoder().encode('hello world'), { name: 'x.jpg' }), 415, /JPEG and PNG/],
    ['a file over 5 MB', () => uploadRequest(token, new Uint8Array(5 * 1024 * 1024 + 1).fill(0xff)), 413, /larger than the limit of 5 MB/],
    ['JPEG magic followed by HTML', () => uploadRequest(token, new Uint8Array([0xff, 0xd8, 0xff, ...new TextEncoder().encode('<html></html>')])), 422, /JPEG/],
    ['a JPEG over the pixel cap', () => uploadRequest(token, new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xea, 0x60, 0xea, 0x60, 1, 1, 0x11, 0, 0xff, 0xd9])), 422, /60000x60000.*limit/],
    // SOF2 (progressive) claiming 5000x4000: 20 MP is under MAX_PIXELS but over the progressive cap.
    ['a progressive JPEG over its own cap', () => uploadRequest(token, new Uint8Array([0xff, 0xd8, 0xff, 0xc2, 0, 11, 8, 0x0f, 0xa0, 0x13, 0x88, 1, 1, 0x11, 0, 0xff, 0xd9])), 422, /progressive JPEG of 5000x4000.*limit for progressive/],
    ['an empty file', () => uploadRequest(token, new Uint8Array()), 422, /empty/],
    ['a JSON body', () => new Request('https://images.test/images', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' }), 415, /multipart/],
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
    const res = await call(new Request('https://images.test/images', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }))
    expect(res.status).toBe(400)
    expect((await res.json<any>()).detail).toMatch(/exactly one/)
  })

  it('refuses a revoked token', async () => {
    const other = await createUser('bob')
    await env.DB.prepare('UPDATE api_tokens SET revoked_at = 1 WHERE user_id = ?').bind(other.userId).run()
    const res = await call(uploadRequest(other.token, fixture('pngsuite/basn2c08.png')))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })
})
