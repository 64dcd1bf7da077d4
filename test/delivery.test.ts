import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { call, createUser, uploadRequest } from './helpers'

let url: string
let bytes: Uint8Array
beforeAll(async () => {
  const { token } = await createUser()
  bytes = fixture('exif-orientation/Landscape_1.jpg')
  url = (await (await call(uploadRequest(token, bytes))).json<any>()).url
})

describe('file delivery', () => {
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

  it('answers 416 to a range past the end', async () => {
    const res = await call(new Request(url, { headers: { range: `bytes=${bytes.byteLength}-` } }))
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
})
