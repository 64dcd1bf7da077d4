/**
 * The cron-driven repair job: the outbox sweep. Anything that has not progressed for
 * `REPAIR_AFTER_SECONDS` is handed to the queue again: drafts whose enqueue failed at upload, and
 * variants whose messages were lost or whose worker died. Every attempt counts, whether its
 * enqueue worked or not, and after MAX_REPAIRS attempts a variant is failed instead, so nothing
 * stays `draft` or `processing` forever.
 */
import { log } from '../lib/log'
import type { Store } from '../store'
import { markQueued } from '../store/d1/images'
import { countRepairAttempt, findStuckVariants, markFailed } from '../store/d1/variants'
import { enqueueVariants } from '../store/queue'

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

export async function repairStuck(store: Store, repairAfterMs: number, now = Date.now()): Promise<RepairReport> {
  const stuck = await findStuckVariants(store, now - repairAfterMs, BATCH)
  const report: RepairReport = { requeued: 0, failed: 0, enqueueErrors: 0 }
  for (const [imageId, variants] of Map.groupBy(stuck, (v) => v.imageId)) {
    const exhausted = variants.filter((v) => v.repairs >= MAX_REPAIRS)
    const retry = variants.filter((v) => v.repairs < MAX_REPAIRS)
    if (exhausted.length > 0) {
      await markFailed(store, imageId, exhausted.map((v) => v.id), REPAIR_GAVE_UP)
      report.failed += exhausted.length
    }
    if (retry.length === 0) continue
    // Count the attempt before trying it: a queue that keeps failing still ends in `failed`.
    await countRepairAttempt(store, retry.map((v) => v.id), now)
    try {
      await enqueueVariants(store, imageId, retry)
    } catch (err) {
      log.error('repair.enqueue_failed', { imageId, error: String(err) })
      report.enqueueErrors++
      continue
    }
    await markQueued(store, imageId, now)
    report.requeued += retry.length
  }
  if (report.requeued + report.failed + report.enqueueErrors > 0) log.info('repair.run', { ...report })
  return report
}
