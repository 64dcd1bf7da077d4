/**
 * Faults injected on the platform bindings (R2, D1, Queues), then the outcome
 * shown with the real local storage: once an upload answered 2xx, the
 * original is intact and every variant reaches a final state.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import api from '../src/index'
import processor from '../src/processor-worker'
import { CHECKSUM_MISMATCH } from '../src/processor/job'
import { quarantineKey } from '../src/store/files'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, storageCounts, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()
afterEach(() => {
  // Undo only the one-off faults; captureQueue's own spy stays in place.
  vi.mocked(env.VARIANT_QUEUE.sendBatch).mockClear()
  queue.take()
})

const PNG = () => fixture('generated/alpha-640x480.png')

/** Uploads and returns the answer plus exactly the messages that upload sent. */
async function upload(bytes = PNG()) {
  const res = await call(uploadRequest(token, bytes))
  expect(res.status).toBe(202)
  const body = await res.json<any>()
  return { body, id: body.id as string, messages: queue.take() }
}

const metadata = async (id: string) => (await call(`/images/${id}`)).json<any>()
const objectKeys = async (id: string) => (await env.IMAGES.list({ prefix: `${id}/` })).objects.map((o) => o.key).sort()
const variantRows = (id: string) =>
  env.DB.prepare('SELECT id, name, status, image_path, error, last_error FROM image_variants WHERE original_image_id = ? ORDER BY name').bind(id).all<any>().then((r) => r.results)

const fileRows = (id: string) =>
  env.DB.prepare('SELECT f.format, f.image_path FROM variant_files f JOIN image_variants v ON v.id = f.variant_id WHERE v.original_image_id = ?').bind(id).all<any>().then((r) => r.results)

/** Everything a completed image must satisfy: every row final, every file present, nothing extra in R2. */
async function expectCompletedAndTidy(id: string) {
  const meta = await metadata(id)
  expect(meta.status).toBe('completed')
  expect(meta.variants.map((v: any) => v.status)).toEqual(['completed', 'completed', 'completed'])
  const rows = await variantRows(id)
  expect(rows).toHaveLength(3)
  // Every recorded file of every format, the fallback (the variant row's own) among them.
  const files = await fileRows(id)
  for (const r of rows) expect(files.map((f: any) => f.image_path)).toContain(r.image_path)
  const expected = [meta.url.split('/files/')[1], ...files.map((f: any) => f.image_path)].sort()
  expect(await objectKeys(id)).toEqual(expected)
  for (const v of meta.variants) expect((await call(new Request(v.url))).status).toBe(200)
}

const realBatch = env.DB.batch.bind(env.DB)

let seq = 0
/**
 * Like `runQueue`, and also returns the delay each retried message asked for:
 * the test harness's QueueResult leaves `delaySeconds` out, so each message's
 * `retry` is observed (and still called) here.
 */
async function runQueueWithDelays(bodies: unknown[], attempts: number) {
  const batch = createMessageBatch('image-variants', bodies.map((body) => ({ id: `f${++seq}`, timestamp: new Date(), attempts, body })))
  const delays: (number | undefined)[] = []
  for (const msg of batch.messages) {
    const retry = msg.retry.bind(msg)
    vi.spyOn(msg, 'retry').mockImplementation((options) => {
      delays.push(options?.delaySeconds)
      retry(options)
    })
  }
  const ctx = createExecutionContext()
  await processor.queue(batch, env, ctx)
  return { ...(await getQueueResult(batch, ctx)), delays }
}

describe('the queue fails after the original and rows are written', () => {
  it('answers 202 as a draft; the repair cron re-enqueues it and processing completes it', async () => {
    vi.mocked(env.VARIANT_QUEUE.sendBatch).mockRejectedValueOnce(new Error('Queue send failed: 503'))
    const { body, id, messages } = await upload()
    expect(messages).toHaveLength(0)
    expect(body.status).toBe('draft')
    expect(body.variants.map((v: any) => v.status)).toEqual(['processing', 'processing', 'processing'])
    expect((await metadata(id)).status).toBe('draft')

    // Before REPAIR_AFTER_SECONDS nothing is touched.
    const early = createExecutionContext()
    await api.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }), env, early)
    await waitOnExecutionContext(early)
    expect(queue.sent).toHaveLength(0)

    const ctx = createExecutionContext()
    await api.scheduled(createScheduledController({ scheduledTime: Date.now() + 901_000, cron: '*/5 * * * *' }), env, ctx)
    await waitOnExecutionContext(ctx)
    const requeued = queue.take().filter((m: any) => m.imageId === id)
    expect(new Set(requeued.map((m: any) => m.variantId))).toEqual(new Set(body.variants.map((v: any) => v.id)))
    expect((await metadata(id)).status).toBe('processing')

    const result = await runQueue(requeued)
    expect(result.explicitAcks).toHaveLength(3)
    await expectCompletedAndTidy(id)
  })
})

describe('D1 fails while the consumer records a result', () => {
  it('retries with growing backoff, then ends correct with no duplicate rows or objects', async () => {
    const { id, messages } = await upload()
    const batch = vi.spyOn(env.DB, 'batch')
    // Call 1 loads the image; call 2 is the first variant's record: it fails.
    batch.mockImplementationOnce(realBatch).mockRejectedValueOnce(new Error('D1_ERROR: Network connection lost.'))
    const first = await runQueueWithDelays(messages, 1)
    expect(first.explicitAcks).toHaveLength(0)
    expect(first.retryMessages).toHaveLength(3)
    expect(first.delays).toEqual([10, 10, 10])
    let rows = await variantRows(id)
    expect(rows.map((r: any) => r.status)).toEqual(['processing', 'processing', 'processing'])
    expect(rows[0].last_error).toMatch(/^Recording the variant failed: D1_ERROR: Network connection lost/)

    // Fails again on the third delivery: the delay doubles per attempt.
    batch.mockImplementationOnce(realBatch).mockRejectedValueOnce(new Error('D1_ERROR: timed out'))
    const third = await runQueueWithDelays(messages, 3)
    expect(third.retryMessages).toHaveLength(3)
    expect(third.delays).toEqual([40, 40, 40])

    batch.mockRestore()
    const last = await runQueue(messages, 'image-variants', 4)
    expect(last.explicitAcks).toHaveLength(3)
    expect(last.retryMessages).toHaveLength(0)
    await expectCompletedAndTidy(id)
    rows = await variantRows(id)
    expect(rows.every((r: any) => r.last_error === null && r.error === null)).toBe(true)
  })

  it('survives a write that committed but whose answer was lost (timeout after commit)', async () => {
    const { id, messages } = await upload()
    const batch = vi.spyOn(env.DB, 'batch')
    batch.mockImplementationOnce(realBatch).mockImplementationOnce(async (statements) => {
      await realBatch(statements)
      throw new Error('D1_ERROR: timed out waiting for response')
    })
    const first = await runQueue(messages)
    expect(first.retryMessages).toHaveLength(3)
    batch.mockRestore()
    // One variant is already recorded; redelivery acks it without remaking it and makes the rest.
    expect((await variantRows(id)).filter((r: any) => r.status === 'completed')).toHaveLength(1)
    const again = await runQueue(messages, 'image-variants', 2)
    expect(again.explicitAcks).toHaveLength(3)
    await expectCompletedAndTidy(id)
  })
})

describe('R2 put of a variant fails', () => {
  it('is retried, and after the last retry the dead-letter consumer fails it with the reason', async () => {
    const { id, messages } = await upload()
    const put = vi.spyOn(env.IMAGES, 'put').mockRejectedValue(new Error('R2 put: We encountered an internal error (10001)'))
    try {
      const first = await runQueueWithDelays(messages, 1)
      expect(first.retryMessages).toHaveLength(3)
      expect(first.delays).toEqual([10, 10, 10])
      // The 6th delivery is the last with max_retries = 5 (wrangler.processor.toml):
      // the consumer still asks for a retry, and Queues moves the message to the DLQ.
      const last = await runQueueWithDelays(messages, 6)
      expect(last.retryMessages).toHaveLength(3)
      expect(last.delays).toEqual([300, 300, 300])
      expect(last.explicitAcks).toHaveLength(0)
    } finally {
      put.mockRestore()
    }
    expect((await metadata(id)).status).toBe('processing')

    const dead = await runQueue(messages, 'image-variants-dlq')
    expect(dead.explicitAcks).toHaveLength(3)
    const meta = await metadata(id)
    expect(meta.status).toBe('failed')
    expect(meta.error).toMatch(/^Processing kept failing after every retry: Storing the variant failed: R2 put: We encountered an internal error/)
    for (const v of meta.variants) expect(v).toMatchObject({ status: 'failed', url: null, error: expect.stringContaining('Storing the variant failed') })
    // Only the original is stored: no variant object half-written.
    expect(await objectKeys(id)).toEqual([meta.url.split('/files/')[1]])
  })
})

describe('delivered twice, or two consumers at once', () => {
  it('records one result under the same key, rows consistent', async () => {
    const { id, messages } = await upload()
    const put = vi.spyOn(env.IMAGES, 'put')
    const [a, b] = await Promise.all([runQueue(messages), runQueue(messages)])
    // Both really made variants (the race happened), yet R2 holds one file per variant.
    expect(put.mock.calls.length).toBeGreaterThan(3)
    put.mockRestore()
    for (const r of [a, b]) {
      expect(r.explicitAcks).toHaveLength(3)
      expect(r.retryMessages).toHaveLength(0)
    }
    await expectCompletedAndTidy(id)
    const before = await metadata(id)
    // And a third, late delivery changes nothing.
    await runQueue(messages, 'image-variants', 2)
    expect(await metadata(id)).toEqual(before)
  })

  it('keeps the first recorded result when a racing consumer made different bytes, and deletes its own file', async () => {
    const { id, messages } = await upload()
    const first = (await variantRows(id))[0]
    const winner = `${id}/${first.name}_640x480_0123456789abcdef.png`
    await env.IMAGES.put(winner, PNG())
    // Another consumer records its (different) result between our render and our record.
    const batch = vi.spyOn(env.DB, 'batch')
    batch.mockImplementationOnce(realBatch).mockImplementationOnce(async (statements) => {
      // As recordVariant does: the variant row and its files (here its fallback only) together.
      await realBatch([
        env.DB.prepare("UPDATE image_variants SET status = 'completed', image_path = ?, bytes = 1, sha256 = 'x' WHERE id = ?").bind(winner, first.id),
        env.DB.prepare("INSERT INTO variant_files (variant_id, format, image_path, bytes, sha256) VALUES (?, 'png', ?, 1, 'x')").bind(first.id, winner),
      ])
      return realBatch(statements)
    })
    const result = await runQueue(messages)
    batch.mockRestore()
    expect(result.explicitAcks).toHaveLength(3)
    expect((await variantRows(id))[0]).toMatchObject({ status: 'completed', image_path: winner })
    await expectCompletedAndTidy(id)
  })
})

describe('R2 or D1 fails during upload', () => {
  const expectUnavailable = async (res: Response) => {
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await res.json()).toMatchObject({ status: 503, title: 'Service unavailable', detail: expect.stringMatching(/retry/i) })
  }

  it('R2 put fails: 503 problem, nothing stored, nothing queued', async () => {
    const before = await storageCounts()
    vi.spyOn(env.IMAGES, 'put').mockRejectedValueOnce(new Error('R2 put failed'))
    await expectUnavailable(await call(uploadRequest(token, PNG())))
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
  })

  it('D1 insert fails: 503 problem, the object is deleted again', async () => {
    const before = await storageCounts()
    const del = vi.spyOn(env.IMAGES, 'delete')
    vi.spyOn(env.DB, 'batch').mockRejectedValueOnce(new Error('D1_ERROR: database is overloaded'))
    await expectUnavailable(await call(uploadRequest(token, PNG())))
    expect(del).toHaveBeenCalledTimes(1)
    del.mockRestore()
    expect(await storageCounts()).toEqual(before)
    expect(queue.sent).toHaveLength(0)
  })

  it('D1 insert committed but answered with an error: the upload goes on (202), nothing deleted', async () => {
    vi.spyOn(env.DB, 'batch').mockImplementationOnce(async (statements) => {
      await realBatch(statements)
      throw new Error('D1_ERROR: timed out')
    })
    const { id, body, messages } = await upload()
    expect(body.status).toBe('processing')
    expect(messages).toHaveLength(3)
    await runQueue(messages)
    await expectCompletedAndTidy(id)
  })
})

describe('a stored original whose bytes no longer match its SHA-256', () => {
  it('is detected by the processor, failed in metadata, and taken out of delivery', async () => {
    const { body, id, messages } = await upload()
    const key = body.url.split('/files/')[1]
    const corrupt = PNG()
    corrupt[corrupt.length >> 1]! ^= 0xff
    await env.IMAGES.put(key, corrupt)

    // D1 fails as the failure is being recorded: the retry must still give the checksum reason.
    vi.spyOn(env.DB, 'batch').mockImplementationOnce(realBatch).mockRejectedValueOnce(new Error('D1_ERROR: overloaded'))
    const first = await runQueue(messages)
    expect(first.retryMessages).toHaveLength(3)
    expect((await metadata(id)).status).toBe('processing')
    // Already out of delivery, though.
    expect((await call(new Request(body.url))).status).toBe(404)

    const result = await runQueue(messages, 'image-variants', 2)
    expect(result.retryMessages).toHaveLength(0)
    expect(result.explicitAcks).toHaveLength(3)
    const meta = await metadata(id)
    expect(meta.status).toBe('failed')
    expect(meta.error).toBe(CHECKSUM_MISMATCH)
    for (const v of meta.variants) expect(v).toMatchObject({ status: 'failed', url: null, error: CHECKSUM_MISMATCH })
    // Never served as good: the original's URL is a 404; the bytes are kept aside for inspection.
    expect((await call(new Request(body.url))).status).toBe(404)
    const kept = await env.IMAGES.get(quarantineKey(key))
    expect(new Uint8Array(await kept!.arrayBuffer())).toEqual(corrupt)
    expect(await objectKeys(id)).toEqual([quarantineKey(key)])
  })
})
