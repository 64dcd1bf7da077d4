/**
 * The cron-driven repair job: the outbox sweep. Anything that has not
 * progressed for `REPAIR_AFTER_SECONDS` is handed to the queue again: drafts
 * whose enqueue failed at upload, and variants whose messages were lost or
 * whose worker died. Every attempt counts, whether its enqueue worked or not,
 * and after MAX_REPAIRS attempts a variant is failed instead, so nothing stays
 * `draft` or `processing` forever.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm'
import { db } from '../db/client'
import { imageVariants, images } from '../db/schema'
import { readConfig } from '../lib/config'
import { markFailed } from '../processor/record'
import { enqueueVariants } from '../upload/store'

export const MAX_REPAIRS = 3
export const REPAIR_GAVE_UP = 'Processing did not finish after repeated attempts.'
/** Variants looked at per run; the oldest first, the rest wait for the next run. */
const BATCH = 100

export interface RepairReport {
  requeued: number
  failed: number
  /** Images whose enqueue failed this run; they are tried again next run. */
  enqueueErrors: number
}

export async function repairStuck(env: Env, now = Date.now()): Promise<RepairReport> {
  const database = db(env.DB)
  const cutoff = now - readConfig(env).repairAfterMs
  const stuck = await database
    .select({ id: imageVariants.id, name: imageVariants.name, imageId: imageVariants.originalImageId, repairs: imageVariants.repairs })
    .from(imageVariants)
    .where(and(inArray(imageVariants.status, ['draft', 'processing']), lt(imageVariants.updatedAt, cutoff)))
    .orderBy(asc(imageVariants.updatedAt))
    .limit(BATCH)
  const report: RepairReport = { requeued: 0, failed: 0, enqueueErrors: 0 }
  const byImage = Map.groupBy(stuck, (v) => v.imageId)
  for (const [imageId, variants] of byImage) {
    const exhausted = variants.filter((v) => v.repairs >= MAX_REPAIRS)
    const retry = variants.filter((v) => v.repairs < MAX_REPAIRS)
    if (exhausted.length > 0) {
      await markFailed(database, imageId, exhausted.map((v) => v.id), REPAIR_GAVE_UP)
      report.failed += exhausted.length
    }
    if (retry.length === 0) continue
    // Count the attempt before trying it: a queue that keeps failing still ends in `failed`.
    await database
      .update(imageVariants)
      .set({ repairs: sql`${imageVariants.repairs} + 1`, updatedAt: now })
      .where(inArray(imageVariants.id, retry.map((v) => v.id)))
    try {
      await enqueueVariants(env, imageId, retry)
    } catch (err) {
      console.error(JSON.stringify({ event: 'repair.enqueue_failed', imageId, error: String(err) }))
      report.enqueueErrors++
      continue
    }
    await database.update(images).set({ status: 'processing', updatedAt: now }).where(and(eq(images.id, imageId), eq(images.status, 'draft')))
    report.requeued += retry.length
  }
  if (report.requeued + report.failed + report.enqueueErrors > 0) console.log(JSON.stringify({ event: 'repair.run', ...report }))
  return report
}
