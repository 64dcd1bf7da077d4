/** GET and HEAD /files/{imageId}/{file}: immutable originals and variants, public, through the edge cache. */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from '../fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { expectProblem, isPublic, type Headers, type User } from './auth'

let url: string
let bytes: Uint8Array
beforeAll(async () => {
  const { token } = await createUser()
  bytes = fixture('exif-orientation/Landscape_1.jpg')
  url = (await (await call(uploadRequest(token, bytes))).json<any>()).url
})

const request = (headers: Headers, fileUrl: string) => new Request(fileUrl, { headers })

describe('happy path', () => {
  it('serves the file with immutable caching headers', async () => {
    const res = await call(new Request(url))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/jpeg')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/)
    expect(Number(res.headers.get('content-length'))).toBe(bytes.byteLength)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    // Again, now from the edge cache: same bytes, same headers.
    const cached = await call(new Request(url))
    expect(cached.headers.get('etag')).toBe(res.headers.get('etag'))
    expect(new Uint8Array(await cached.arrayBuffer())).toEqual(bytes)
  })

  it('answers HEAD without a body', async () => {
    const res = await call(new Request(url, { method: 'HEAD' }))
    expect(res.status).toBe(200)
    expect(Number(res.headers.get('content-length'))).toBe(bytes.byteLength)
    expect(await res.text()).toBe('')
  })

  it('answers 304 to a matching If-None-Match', async () => {
    const etag = (await call(new Request(url))).headers.get('etag')!
    const res = await call(new Request(url, { headers: { 'if-none-match': etag } }))
    expect(res.status).toBe(304)
    expect(res.headers.get('etag')).toBe(etag)
    expect(await res.text()).toBe('')
  })

  it('answers 206 with the requested bytes to a Range', async () => {
    const res = await call(new Request(url, { headers: { range: 'bytes=100-199' } }))
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${bytes.byteLength}`)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(100, 200))
    const suffix = await call(new Request(url, { headers: { range: 'bytes=-10' } }))
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(-10))
  })

  it('answers HEAD with a Range as 206 with the range headers and no body', async () => {
    const res = await call(new Request(url, { method: 'HEAD', headers: { range: 'bytes=100-199' } }))
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${bytes.byteLength}`)
    expect(res.headers.get('content-length')).toBe('100')
    expect(await res.text()).toBe('')
  })

  it('answers HEAD with a matching If-None-Match as 304', async () => {
    const etag = (await call(new Request(url, { method: 'HEAD' }))).headers.get('etag')!
    const res = await call(new Request(url, { method: 'HEAD', headers: { 'if-none-match': `"other", ${etag}` } }))
    expect(res.status).toBe(304)
    expect(res.headers.get('etag')).toBe(etag)
  })

  it('serves the range only while If-Range still names the file, else the whole file', async () => {
    const etag = (await call(new Request(url, { method: 'HEAD' }))).headers.get('etag')!
    const same = await call(new Request(url, { headers: { range: 'bytes=0-9', 'if-range': etag } }))
    expect(same.status).toBe(206)
    expect(new Uint8Array(await same.arrayBuffer())).toEqual(bytes.slice(0, 10))
    const changed = await call(new Request(url, { headers: { range: 'bytes=0-9', 'if-range': '"0123"' } }))
    expect(changed.status).toBe(200)
    expect(new Uint8Array(await changed.arrayBuffer())).toEqual(bytes)
  })

  it('answers several ranges, or another unit, with the whole file', async () => {
    for (const range of ['bytes=0-9, 20-29', 'items=0-9']) {
      const res = await call(new Request(url, { headers: { range } }))
      expect(res.status, range).toBe(200)
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
    }
  })
})

describe('errors', () => {
  it('answers 416 to a range past the end', async () => {
    const res = await call(new Request(url, { headers: { range: `bytes=${bytes.byteLength}-` } }))
    expect(res.status).toBe(416)
    expect(res.headers.get('content-range')).toBe(`bytes */${bytes.byteLength}`)
  })

  it('answers HEAD with a range past the end as 416 too', async () => {
    const res = await call(new Request(url, { method: 'HEAD', headers: { range: `bytes=${bytes.byteLength}-` } }))
    expect(res.status).toBe(416)
    expect(res.headers.get('content-range')).toBe(`bytes */${bytes.byteLength}`)
  })

  it('answers 404 problem JSON, briefly cached, for unknown files', async () => {
    const unknown = url.replace(/_[0-9a-f]{16}\./, '_0000000000000000.')
    const res = await call(new Request(unknown))
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('cache-control')).toBe('public, max-age=60')
    // Malformed keys never reach R2; dot segments are resolved away before routing.
    for (const path of ['/files/x/..%2F..%2Fetc%2Fpasswd', '/files/../../etc/passwd', `/files/${url.split('/files/')[1]}.exe`]) {
      const bad = await call(path)
      expect(bad.status).toBe(404)
      expect(bad.headers.get('content-type')).toBe('application/problem+json')
    }
  })

  it('answers HEAD of an unknown file with 404', async () => {
    const res = await call(new Request(url.replace(/_[0-9a-f]{16}\./, '_0000000000000000.'), { method: 'HEAD' }))
    expect(res.status).toBe(404)
    expect(res.headers.get('cache-control')).toBe('public, max-age=60')
  })
})

describe('security', () => {
  isPublic({
    request,
    // Two reads of one file differ only in what an edge-cache hit adds.
    volatile: ['age', 'cf-cache-status', 'date'],
    create: async (owner: User) => {
      const queue = captureQueue()
      try {
        const image = await (await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))).json<any>()
        await runQueue(queue.take())
        return (await (await call(`/images/${image.id}`)).json<any>()).variants[0].url
      } finally {
        queue.restore()
      }
    },
  })

  it('never serves what is in the bucket under a key that is not a delivery key (staging, quarantine)', async () => {
    const id = url.split('/files/')[1]!.split('/')[0]!
    const file = url.split('/').at(-1)!
    for (const key of [`${id}/staging/original`, `${id}/quarantine/${file}`]) {
      await env.IMAGES.put(key, bytes)
      const problem = await expectProblem(await call(`/files/${key}`), 404)
      expect(problem.detail).toBe('No such file.')
      await env.IMAGES.delete(key)
    }
  })
})
