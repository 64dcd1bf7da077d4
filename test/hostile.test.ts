/**
 * The hostile-input corpus (test/fixtures/hostile/README.md plus files built
 * here): each file is refused at upload with a 4xx problem and leaves nothing
 * behind, or is accepted and ends `failed` after one consumer run, without a
 * retry, a crash or a variant file. Cases already in routes/upload.test.ts and
 * processing.test.ts (empty file, JPEG magic + HTML, truncated JPEG, two file
 * parts, 10 KB fileName, a streamed body over 5 MB) are not repeated.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, expectRejected as expectRejectedBy, runQueue, storageCounts, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser('mallory')))
const queue = captureQueue()
afterEach(() => queue.take())

const expectRejected = (req: Request, status: number, detail: RegExp) => expectRejectedBy(req, status, detail, queue)

describe('hostile files refused at upload', () => {
  const cases: [string, number, RegExp][] = [
    ['gradient.gif', 415, /JPEG and PNG/],
    ['gradient.webp', 415, /JPEG and PNG/],
    ['gradient.bmp', 415, /JPEG and PNG/],
    ['script.svg', 415, /JPEG and PNG/],
    ['text.jpg', 415, /JPEG and PNG/],
    ['jpeg-sof-60000x60000.jpg', 422, /60000x60000 .*limit is [0-9.]+ MP/],
    ['png-ihdr-100000x100000.png', 422, /100000x100000 .*limit/],
    ['png-20000x20000-solid.png', 422, /20000x20000 \(400\.0 MP\).*limit/],
  ]
  it.each(cases)('%s', async (file, status, detail) => {
    // Names and declared types that claim an accepted image: only the bytes count.
    await expectRejected(uploadRequest(token, fixture(`hostile/${file}`), { name: 'photo.jpg', type: 'image/jpeg' }), status, detail)
  })

  it('the 400 MP PNG really is tiny on disk (a decompression bomb, refused from its header)', () => {
    expect(fixture('hostile/png-20000x20000-solid.png').byteLength).toBeLessThan(64 * 1024)
  })

  it('refuses a body over 5 MB whose Content-Length claims it is small', async () => {
    const big = uploadRequest(token, new Uint8Array(6 * 1024 * 1024).fill(0xff))
    const body = await big.arrayBuffer()
    const headers = { authorization: `Bearer ${token}`, 'content-type': big.headers.get('content-type')!, 'content-length': '1000' }
    const req = new Request(big.url, { method: 'POST', headers, body: new Blob([body]).stream(), duplex: 'half' } as RequestInit)
    // workerd keeps a declared length on a streamed body: the service really is told 1000 bytes.
    expect(req.headers.get('content-length')).toBe('1000')
    await expectRejected(req, 413, /larger than the limit/)
  })

  it('refuses a multipart body whose single part is not a file', async () => {
    const form = new FormData()
    form.append('file', '\xff\xd8\xff<html><script>alert(1)</script></html>')
    await expectRejected(new Request(`${BASE}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }), 400, /must be a file/)
  })

  it('refuses a body that is not valid multipart', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=xyz' }
    await expectRejected(new Request(`${BASE}/images`, { method: 'POST', headers, body: '--abc\r\nnot a part\r\n' }), 400, /could not be parsed|missing/)
  })
})

describe('hostile files accepted at upload end failed, once', () => {
  const build: [string, () => Uint8Array][] = [
    ['jpeg-7000x7000-no-scan.jpg (49 MP claimed, no image data)', () => fixture('hostile/jpeg-7000x7000-no-scan.jpg')],
    ['png-7000x7000-no-idat.png (49 MP claimed, no image data)', () => fixture('hostile/png-7000x7000-no-idat.png')],
    ['png-bad-idat-crc.png (IDAT CRC mismatch)', () => fixture('hostile/png-bad-idat-crc.png')],
    ['a PNG cut at half its length', () => {
      const whole = fixture('generated/alpha-640x480.png')
      return whole.slice(0, whole.length >> 1)
    }],
    ['a JPEG with HTML in place of its scan data', () => {
      const whole = fixture('exif-orientation/Landscape_1.jpg')
      const sos = whole.findIndex((b, i) => b === 0xff && whole[i + 1] === 0xda)
      return new Uint8Array([...whole.slice(0, sos + 14), ...new TextEncoder().encode('<html><script>alert(1)</script></html>'.repeat(50)), 0xff, 0xd9])
    }],
  ]

  it.each(build)('%s', async (_name, make) => {
    const res = await call(uploadRequest(token, make(), { name: 'x.jpg' }))
    expect(res.status).toBe(202)
    const { id, url } = await res.json<any>()
    const messages = queue.take()
    expect(messages).toHaveLength(3)
    // Throwing here would be the consumer crashing; retries would be a loop.
    const result = await runQueue(messages)
    expect(result.retryMessages).toHaveLength(0)
    expect(result.explicitAcks).toHaveLength(3)
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('failed')
    expect(meta.error).toEqual(expect.any(String))
    for (const v of meta.variants) expect(v).toMatchObject({ status: 'failed', url: null })
    // Only the original stays (recorded as failed): no variant was written.
    const objects = (await env.IMAGES.list({ prefix: `${id}/` })).objects.map((o) => o.key)
    expect(objects).toEqual([url.split('/files/')[1]])
  })
})

describe('hostile file names', () => {
  it('stores a part filename with path traversal, quotes and control characters as a label only', async () => {
    const boundary = 'hostileboundary'
    const png = fixture('pngsuite/basn2c08.png')
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="..\\..\\windows\\system32\\evil\u0007\u001b[31m.png"\r\nContent-Type: image/png\r\n\r\n`
    const body = new Uint8Array([...new TextEncoder().encode(head), ...png, ...new TextEncoder().encode(`\r\n--${boundary}--\r\n`)])
    const res = await call(new Request(`${BASE}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body }))
    expect(res.status).toBe(202)
    const meta = await res.json<any>()
    expect(meta.fileName).not.toMatch(/[\u0000-\u001f\u007f/\\]/)
    expect(meta.fileName).toMatch(/evil/)
    // The storage key never contains any part of the name.
    expect(meta.url).toMatch(new RegExp(`/files/${meta.id}/original_32x32_[0-9a-f]{16}\\.png$`))
  })

  it('drops a fileName made only of separators and dots', async () => {
    const res = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png'), { fileName: '..', name: '/' }))
    expect(res.status).toBe(202)
    expect((await res.json<any>()).fileName).toBeNull()
  })
})

// The decode plan (src/processor/plan.ts, docs/memory-plan.md): files made by
// test/fixtures/hostile/generate-plan.mjs.
describe('decodes that would not fit memory or CPU are refused at upload, with the reason', () => {
  const cases: [string, RegExp][] = [
    ['png-100000000x1-1bit.png', /100000000x1; neither side may exceed 1000000 pixels/],
    ['png-1x100000000-header.png', /1x100000000; neither side may exceed 1000000 pixels/],
    ['png-5757x3239-interlaced-rgba.png', /5757x3239 image would need about \d+ MiB of memory; the limit is 96 MiB/],
    ['jpeg-6708x4472-non-interleaved-header.jpg', /one scan per component \(non-interleaved\) of 6708x4472.*keeps every coefficient/],
  ]
  it.each(cases)('%s', async (file, detail) => {
    await expectRejected(uploadRequest(token, fixture(`hostile/${file}`), { name: 'photo.png', type: 'image/png' }), 422, detail)
  })
})

describe('unusual layouts that fit the plan complete', () => {
  const files: [string, number, number][] = [
    ['png-1600x1200-interlaced-rgba.png', 1600, 1200],
    ['png-1500x1250-tiny-idat.png', 1500, 1250],
    ['jpeg-320x240-non-interleaved.jpg', 320, 240],
  ]
  it.each(files)('%s', async (file, width, height) => {
    const res = await call(uploadRequest(token, fixture(`hostile/${file}`), { name: file }))
    expect(res.status).toBe(202)
    const { id, ...meta } = await res.json<any>()
    expect([meta.width, meta.height]).toEqual([width, height])
    const result = await runQueue(queue.take())
    expect(result.retryMessages).toHaveLength(0)
    const done = await (await call(`/images/${id}`)).json<any>()
    expect(done.status).toBe('completed')
    expect(done.variants.map((v: any) => v.status)).toEqual(['completed', 'completed', 'completed'])
  })
})

describe('a PNG split into over 100,000 IDAT chunks', () => {
  it('is refused at upload with the count (a valid file: the fitting one plus 100,000 empty IDAT chunks)', async () => {
    const base = fixture('hostile/png-1500x1250-tiny-idat.png')
    // Signature and IHDR are the first 33 bytes; an empty IDAT chunk is 12 bytes whose CRC covers only its type.
    const empty = new Uint8Array([0, 0, 0, 0, 0x49, 0x44, 0x41, 0x54, 0x35, 0xaf, 0x06, 0x1e])
    const count = 100_000
    const bytes = new Uint8Array(base.length + count * 12)
    bytes.set(base.subarray(0, 33))
    for (let i = 0; i < count; i++) bytes.set(empty, 33 + i * 12)
    bytes.set(base.subarray(33), 33 + count * 12)
    await expectRejected(uploadRequest(token, bytes, { name: 'split.png' }), 422, /splits its image data into 1\d{5} IDAT chunks; at most 100000 are accepted/)
  })
})
