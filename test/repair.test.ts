/** The repair cron: stuck variants (outbox), R2 objects without a row, expired idempotency keys. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import worker from '../src/index'
import { runRepairCron } from '../src/repair/cron'
import { ORPHAN_GRACE_MS, sweepOrphans } from '../src/repair/orphans'
import { MAX_REPAIRS, REPAIR_GAVE_UP, repairStuck } from '../src/repair/repair'
import { openStore } from '../src/store'
import { stagingKey } from '../src/store/files'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, storageCounts, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()
afterEach(() => queue.take())

const REPAIR_AFTER_MS = Number(env.REPAIR_AFTER_SECONDS) * 1000
const PNG = () => fixture('pngsuite/basn2c08.png')

async function upload() {
  const res = await call(uploadRequest(token, PNG()))
  expect(res.status).toBe(202)
  const body = await res.json<any>()
  return { id: body.id as string, body, messages: queue.take() }
}

async function cron(scheduledTime: number) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime, cron: '*/5 * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

const metadata = async (id: string) => (await call(`/images/${id}`)).json<any>()
const repairsOf = (id: string) =>
  env.DB.prepare('SELECT repairs FROM image_variants WHERE original_image_id = ?').bind(id).all<{ repairs: number }>().then((r) => r.results.map((v) => v.repairs))

describe('stuck variants', () => {
  it('are re-enqueued only once they stopped progressing for REPAIR_AFTER_SECONDS', async () => {
    // The upload's messages are lost (never delivered).
    const { id, body } = await upload()
    const now = Date.now()
    expect((await repairStuck(openStore(env), REPAIR_AFTER_MS, now + REPAIR_AFTER_MS - 60_000)).requeued).toBe(0)
    expect(queue.sent).toHaveLength(0)
    await repairStuck(openStore(env), REPAIR_AFTER_MS, now + REPAIR_AFTER_MS + 1000)
    const again = queue.take().filter((m: any) => m.imageId === id)
    expect(new Set(again.map((m: any) => m.variantId))).toEqual(new Set(body.variants.map((v: any) => v.id)))
    expect(await repairsOf(id)).toEqual([1, 1, 1])
    await runQueue(again)
    expect((await metadata(id)).status).toBe('completed')
    // Completed variants are never touched again.
    await repairStuck(openStore(env), REPAIR_AFTER_MS, now + 10 * REPAIR_AFTER_MS)
    expect(queue.sent.filter((m: any) => m.imageId === id)).toHaveLength(0)
  })

  it(`fail after ${MAX_REPAIRS} repairs even when the queue keeps failing: nothing stays unfinished forever`, async () => {
    const send = vi.mocked(env.VARIANT_QUEUE.sendBatch)
    send.mockRejectedValueOnce(new Error('Queue unavailable'))
    const { id, body } = await upload()
    expect(body.status).toBe('draft')
    let t = Date.now()
    for (let run = 1; run <= MAX_REPAIRS; run++) {
      send.mockRejectedValueOnce(new Error('Queue unavailable'))
      t += REPAIR_AFTER_MS + 1000
      await cron(t)
      expect(await repairsOf(id)).toEqual([run, run, run])
      expect((await metadata(id)).status).toBe('draft')
    }
    t += REPAIR_AFTER_MS + 1000
    await cron(t)
    const meta = await metadata(id)
    expect(meta.status).toBe('failed')
    expect(meta.error).toBe(REPAIR_GAVE_UP)
    for (const v of meta.variants) expect(v).toMatchObject({ status: 'failed', error: REPAIR_GAVE_UP })
    expect(queue.sent.filter((m: any) => m.imageId === id)).toHaveLength(0)
  })
})

describe('R2 objects without an image row', () => {
  it('are left when D1 and the cleanup delete both fail at upload, then swept after the grace period', async () => {
    vi.spyOn(env.DB, 'batch').mockRejectedValueOnce(new Error('D1_ERROR: overloaded'))
    const del = vi.spyOn(env.IMAGES, 'delete').mockRejectedValueOnce(new Error('R2 delete failed'))
    const before = await storageCounts()
    const res = await call(uploadRequest(token, PNG()))
    expect(res.status).toBe(503)
    del.mockRestore()
    // The original's copy and its staging object (deleted together, in the one call that failed).
    const after = await storageCounts()
    expect(after).toEqual({ ...before, objects: before.objects + 2 })

    // Young: its upload might still be writing rows.
    expect((await sweepUntilWrapped(Date.now())).deleted).toEqual([])
    const swept = await sweepUntilWrapped(Date.now() + ORPHAN_GRACE_MS + 1000)
    expect(swept.deleted).toHaveLength(2)
    expect(await storageCounts()).toEqual(before)
  })

  it('are left when D1 is down and cannot say whether the rows were written, then swept', async () => {
    const before = await storageCounts()
    // D1 fails on the batch and stays down for the check that follows.
    vi.spyOn(env.DB, 'batch').mockImplementationOnce(async () => {
      vi.spyOn(env.DB, 'prepare').mockImplementationOnce(() => {
        throw new Error('D1_ERROR: Network connection lost.')
      })
      throw new Error('D1_ERROR: Network connection lost.')
    })
    const res = await call(uploadRequest(token, PNG()))
    expect(res.status).toBe(503)
    expect((await storageCounts()).objects).toBe(before.objects + 1)
    await sweepUntilWrapped(Date.now() + ORPHAN_GRACE_MS + 1000)
    expect(await storageCounts()).toEqual(before)
  })

  it('include a staging object left next to a live image by an upload that died, swept after the grace period', async () => {
    const live = await upload()
    const staging = stagingKey(live.id)
    await env.IMAGES.put(staging, PNG())
    expect((await sweepUntilWrapped(Date.now())).deleted).toEqual([])
    expect((await sweepUntilWrapped(Date.now() + ORPHAN_GRACE_MS + 1000)).deleted).toEqual([staging])
    // The live original stays.
    expect(await env.IMAGES.head(live.body.url.split('/files/')[1])).not.toBeNull()
  })

  it('are swept a bounded number of keys per run, resuming where the last run stopped; live files and foreign keys stay', async () => {
    const live = await upload()
    const liveKeys = (await env.IMAGES.list({ prefix: `${live.id}/` })).objects.map((o) => o.key)
    const orphans = Array.from({ length: 5 }, () => `${crypto.randomUUID()}/original_32x32_0123456789abcdef.png`)
    for (const key of orphans) await env.IMAGES.put(key, PNG())
    await env.IMAGES.put('not-ours/readme.txt', 'hello')

    const later = Date.now() + ORPHAN_GRACE_MS + 1000
    const deleted: string[] = []
    let runs = 0
    for (;;) {
      const report = await sweepOrphans(openStore(env), later, 2)
      expect(report.scanned).toBeLessThanOrEqual(2)
      deleted.push(...report.deleted)
      runs++
      if (report.wrapped) break
    }
    const total = (await env.IMAGES.list()).objects.length + deleted.length
    // Every key listed once: ceil(total / 2) runs, one more if the last page was exactly full.
    expect(runs).toBeGreaterThanOrEqual(Math.ceil(total / 2))
    expect(runs).toBeLessThanOrEqual(Math.ceil(total / 2) + 1)
    expect(deleted.sort()).toEqual([...orphans].sort())
    const left = (await env.IMAGES.list()).objects.map((o) => o.key)
    for (const key of [...liveKeys, 'not-ours/readme.txt']) expect(left).toContain(key)
    await env.IMAGES.delete('not-ours/readme.txt')
  })
})

describe('the cron as a whole', () => {
  it('runs every step even when one fails, and reports the failure', async () => {
    vi.mocked(env.VARIANT_QUEUE.sendBatch).mockRejectedValueOnce(new Error('Queue unavailable'))
    const { id } = await upload()
    await env.DB.prepare("INSERT INTO idempotency_keys (user_id, key, fingerprint, claim, created_at, expires_at) SELECT user_id, 'old', 'f', 'c', 0, 1 FROM images WHERE id = ?").bind(id).run()
    vi.spyOn(env.IMAGES, 'list').mockRejectedValueOnce(new Error('R2 list failed'))
    await expect(runRepairCron(env, Date.now() + 100 * REPAIR_AFTER_MS)).rejects.toThrow(/1 repair step\(s\) failed/)
    // The stuck draft was still re-enqueued and the expired key still purged.
    expect(queue.take().filter((m: any) => m.imageId === id)).toHaveLength(3)
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'old'").first('n')).toBe(0)
  })
})

/** Sweeps from wherever the cursor is until it has passed the end of the bucket once. */
async function sweepUntilWrapped(now: number) {
  const deleted: string[] = []
  for (;;) {
    const report = await sweepOrphans(openStore(env), now)
    deleted.push(...report.deleted)
    if (report.wrapped) return { deleted }
  }
}
