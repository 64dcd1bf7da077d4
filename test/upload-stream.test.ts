import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, expectRejected, storageCounts, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()
afterEach(() => queue.take())

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A JPEG with `size` bytes of APP15 segments right after SOI, before its frame header. */
function jpegWithLateHeader(size: number) {
  const jpeg = fixture('generated/photo-4000x3000.jpg')
  const segments: Uint8Array[] = []
  for (let left = size; left > 0; left -= 65533) {
    const n = Math.min(left, 65533)
    segments.push(new Uint8Array([0xff, 0xef, (n + 2) >> 8, (n + 2) & 0xff]), new Uint8Array(n))
  }
  return concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2))
}

/** The same body sent as a stream (no Content-Length), optionally failing after `failAfter` bytes. */
function streamed(req: Request, bytes: Uint8Array, failAfter?: number) {
  let at = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && at >= failAfter) return controller.error(new Error('client went away'))
      if (at >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(at, at + 65536))
      at += 65536
    },
  })
  const headers = { authorization: req.headers.get('authorization')!, 'content-type': req.headers.get('content-type')! }
  return new Request(req.url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit)
}

const allKeys = async () => (await env.IMAGES.list()).objects.map((o) => o.key)

describe('uploads stream into R2', () => {
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

describe('refused or failed streamed uploads leave nothing behind', () => {
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
