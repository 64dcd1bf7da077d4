/**
 * Sweeps R2 for objects whose image row does not exist: what an upload leaves when D1 failed and
 * the object's delete failed too (or D1 could not say whether the rows were written), files of an
 * image deleted while a variant was being made, and staging objects of uploads that died. Each run
 * lists a bounded number of keys, resuming after the last key of the previous run, so the whole
 * bucket is covered over successive runs at a fixed cost per run.
 */
import { log } from '../lib/log'
import type { Store } from '../store'
import { existingImageIds } from '../store/d1/images'
import { readState, writeState } from '../store/d1/repair-state'
import { deleteFiles, imageIdOfKey, isStagingKey, listFiles } from '../store/files'

/** Objects younger than this are left alone: their upload may still be writing its rows. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000
export const SWEEP_KEYS_PER_RUN = 500
const CURSOR = 'orphan-sweep-after'

export interface SweepReport {
  scanned: number
  deleted: string[]
  /** True when this run reached the end of the bucket and the next starts over. */
  wrapped: boolean
}

export async function sweepOrphans(store: Store, now = Date.now(), keysPerRun = SWEEP_KEYS_PER_RUN): Promise<SweepReport> {
  const listed = await listFiles(store, keysPerRun, await readState(store, CURSOR))
  // Our keys all start with the image id; anything else in the bucket is not ours to judge.
  const old = listed.objects.filter((o) => o.uploaded.getTime() < now - ORPHAN_GRACE_MS && imageIdOfKey(o.key) !== null)
  const existing = await existingImageIds(store, [...new Set(old.map((o) => imageIdOfKey(o.key)!))])
  // A staging object outlives its upload only if the upload died: past the grace period it goes, row or not.
  const deleted = old.filter((o) => isStagingKey(o.key) || !existing.has(imageIdOfKey(o.key)!)).map((o) => o.key)
  if (deleted.length > 0) await deleteFiles(store, deleted)

  const wrapped = !listed.truncated
  await writeState(store, CURSOR, wrapped ? '' : (listed.objects.at(-1)?.key ?? ''), now)
  if (deleted.length > 0) log.info('repair.orphans_deleted', { count: deleted.length, keys: deleted.slice(0, 20) })
  return { scanned: listed.objects.length, deleted, wrapped }
}
