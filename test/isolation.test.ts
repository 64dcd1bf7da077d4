/**
 * One bad image never fails another. In production a batch that runs out of
 * CPU or memory dies whole, and every message in it comes back with
 * `attempts > 1`; locally nothing is enforced, so these tests hand the
 * consumer such a batch (a damaged image first, as the one that killed it)
 * and check that the innocent image is handed back without a retry counted,
 * then completes, while the damaged one fails alone.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { processVariantBatch } from '../src/processor/batch'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

async function upload(bytes: Uint8Array, name: string) {
  const res = await call(uploadRequest(token, bytes, { name }))
  expect(res.status).toBe(202)
  const { id } = await res.json<{ id: string }>()
  return { id, messages: queue.take() as { imageId: string }[] }
}
const status = async (id: string) => (await (await call(`/images/${id}`)).json<{ status: string }>()).status

const photo = fixture('exif-orientation/Landscape_1.jpg')
// The header is intact (accepted at upload), the scan is cut short: it can only fail.
const damaged = photo.slice(0, photo.byteLength >> 1)

describe('a batch after one that died', () => {
  it('runs the suspect image alone and hands the innocent one back, which then completes', async () => {
    const bad = await upload(damaged, 'damaged.jpg')
    const good = await upload(photo, 'good.jpg')
    const result = await runQueue([...bad.messages, ...good.messages], 'image-variants', 2)

    // Everything acked: the damaged image failed for good, the innocent one went back as new messages.
    expect(result.retryMessages).toEqual([])
    expect(result.explicitAcks).toHaveLength(bad.messages.length + good.messages.length)
    expect(await status(bad.id)).toBe('failed')
    expect(await status(good.id)).toBe('processing')
    const requeued = queue.take() as { imageId: string }[]
    expect(requeued).toEqual(good.messages)

    // Delivered again, as a first attempt: it completes.
    const again = await runQueue(requeued)
    expect(again.retryMessages).toEqual([])
    expect(await status(good.id)).toBe('completed')
  })
})

describe('a batch over its time budget', () => {
  it('starts no further image once the budget is spent, and hands the rest back', async () => {
    const first = await upload(photo, 'first.jpg')
    const second = await upload(fixture('generated/alpha-640x480.png'), 'second.png')
    const batch = createMessageBatch(
      'image-variants',
      [...first.messages, ...second.messages].map((body, i) => ({ id: `b${i}`, timestamp: new Date(), attempts: 1, body })),
    )
    const ctx = createExecutionContext()
    await processVariantBatch(batch, env, { budgetMs: 0 })
    const result = await getQueueResult(batch, ctx)
    expect(result.retryMessages).toEqual([])
    expect(await status(first.id)).toBe('completed')
    expect(await status(second.id)).toBe('processing')
    expect(queue.take()).toEqual(second.messages)
  })
})
