import { beforeAll, describe, expect, it } from 'vitest'
import { fixture, fixtureNames } from './fixtures'
import { call, captureQueue, createUser, runQueue, storageCounts, uploadRequest } from './helpers'
import { referenceDecode } from './reference'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

const pngs = fixtureNames('pngsuite/').filter((p) => p.endsWith('.png'))
const valid = pngs.filter((p) => !p.split('/')[1]!.startsWith('x'))
const corrupt = pngs.filter((p) => p.split('/')[1]!.startsWith('x'))

describe('PngSuite', () => {
  it('has the whole suite', () => {
    expect(valid.length).toBeGreaterThan(150)
    expect(corrupt.length).toBe(14)
  })

  it.each(valid)('%s processes to completed', async (file) => {
    const res = await call(uploadRequest(token, fixture(file), { name: file }))
    expect(res.status).toBe(202)
    const { id, width, height } = await res.json<any>()
    const result = await runQueue(queue.take())
    expect(result.retryMessages).toHaveLength(0)
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('completed')
    // PngSuite images are at most 32x32 (never upscaled), so every variant keeps the size.
    const thumb = meta.variants.find((v: any) => v.name === 'thumb')
    const img = await referenceDecode(new Uint8Array(await (await call(new Request(thumb.url))).arrayBuffer()))
    expect([img.width, img.height]).toEqual([width, height])
  })

  it.each(corrupt)('%s is rejected at upload or ends failed, never retried', async (file) => {
    const before = await storageCounts()
    const res = await call(uploadRequest(token, fixture(file), { name: file }))
    if (res.status !== 202) {
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(await storageCounts()).toEqual(before)
      return
    }
    const { id } = await res.json<any>()
    const result = await runQueue(queue.take())
    expect(result.retryMessages).toHaveLength(0)
    expect(result.explicitAcks).toHaveLength(3)
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('failed')
    expect(meta.error).toEqual(expect.any(String))
  })
})
