import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'
import { referenceDecode } from './reference'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

/** Uploads a file and runs the consumer on exactly the messages the upload sent. */
async function uploadAndProcess(bytes: Uint8Array, name = 'f') {
  const res = await call(uploadRequest(token, bytes, { name }))
  expect(res.status).toBe(202)
  const { id } = await res.json<{ id: string }>()
  const result = await runQueue(queue.take())
  const meta = await (await call(`/images/${id}`)).json<any>()
  return { id, result, meta }
}

async function download(url: string) {
  const res = await call(new Request(url))
  expect(res.status).toBe(200)
  return new Uint8Array(await res.arrayBuffer())
}

describe('variant processing', () => {
  it('makes three JPEG variants of a 4000x3000 JPEG, with the sizes the rows claim', async () => {
    const { id, result, meta } = await uploadAndProcess(fixture('generated/photo-4000x3000.jpg'))
    expect(result.explicitAcks).toHaveLength(3)
    expect(result.retryMessages).toHaveLength(0)
    expect(meta.status).toBe('completed')
    const expected = { large: [1440, 1080], medium: [800, 600], thumb: [200, 150] } as Record<string, [number, number]>
    for (const v of meta.variants) {
      expect(v.status).toBe('completed')
      expect(v.url).toMatch(new RegExp(`/files/${id}/${v.name}_${expected[v.name]![0]}x${expected[v.name]![1]}_[0-9a-f]{16}\\.jpg$`))
      const bytes = await download(v.url)
      expect(bytes.byteLength).toBe(v.bytes)
      // Read the file back: the pixels decide, not the row.
      const img = await referenceDecode(bytes)
      expect([img.width, img.height]).toEqual(expected[v.name])
      expect([v.width, v.height]).toEqual(expected[v.name])
      // No EXIF (no GPS) in variants: no APP1 segment.
      expect(bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xe1)).toBe(-1)
    }
  })

  it('makes PNG variants of a PNG and keeps its alpha', async () => {
    const { meta } = await uploadAndProcess(fixture('generated/alpha-640x480.png'))
    expect(meta.status).toBe('completed')
    const sizes = meta.variants.map((v: any) => [v.name, v.width, v.height])
    expect(sizes).toEqual([['large', 640, 480], ['medium', 640, 480], ['thumb', 200, 150]])
    for (const v of meta.variants) {
      expect(v.url).toMatch(/\.png$/)
      const img = await referenceDecode(await download(v.url))
      expect([img.width, img.height]).toEqual([v.width, v.height])
      // The radial mask: opaque centre, transparent corners.
      const alphaAt = (x: number, y: number) => img.data[(y * img.width + x) * 4 + 3]!
      expect(alphaAt(img.width >> 1, img.height >> 1)).toBeGreaterThan(240)
      expect(alphaAt(0, 0)).toBeLessThan(16)
    }
  })

  it('is harmless when messages are delivered again', async () => {
    const res = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))
    const { id } = await res.json<{ id: string }>()
    const messages = queue.take()
    await runQueue(messages)
    const first = await (await call(`/images/${id}`)).json<any>()
    const objectsBefore = (await env.IMAGES.list({ prefix: id })).objects.map((o) => o.key).sort()
    const again = await runQueue([...messages, ...messages])
    expect(again.explicitAcks).toHaveLength(6)
    const second = await (await call(`/images/${id}`)).json<any>()
    expect(second).toEqual(first)
    expect((await env.IMAGES.list({ prefix: id })).objects.map((o) => o.key).sort()).toEqual(objectsBefore)
    const rows = await env.DB.prepare('SELECT COUNT(*) AS n FROM image_variants WHERE original_image_id = ?').bind(id).first('n')
    expect(rows).toBe(3)
  })

  it('fails a file that cannot be decoded, without retrying it', async () => {
    // Header fine, data truncated: only the decoder can tell.
    const whole = fixture('generated/photo-4000x3000.jpg')
    const { result, meta } = await uploadAndProcess(whole.slice(0, whole.length >> 1))
    expect(result.retryMessages).toHaveLength(0)
    expect(result.explicitAcks).toHaveLength(3)
    expect(meta.status).toBe('failed')
    expect(meta.error).toEqual(expect.any(String))
    for (const v of meta.variants) expect(v).toMatchObject({ status: 'failed', url: null })
  })

  it('marks variants failed when their messages reach the dead-letter queue', async () => {
    const res = await call(uploadRequest(token, fixture('pngsuite/basn0g08.png')))
    const { id } = await res.json<{ id: string }>()
    await runQueue(queue.take(), 'image-variants-dlq')
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('failed')
    expect(meta.variants.every((v: any) => v.status === 'failed' && /retry/.test(v.error))).toBe(true)
  })
})
