/**
 * Sweeps R2 for objects whose image row does not exist: what an upload leaves
 * when D1 failed and the object's delete failed too (or D1 could not say
 * whether the rows were written), files of an image deleted while a variant
 * was being made, and staging objects of uploads that died (src/upload/stage.ts). Each run lists a bounded number of keys, resuming
 * after the last key of the previous run, so the whole bucket is covered
 * over successive runs at a fixed cost per run.
 */
import { eq, inArray } from 'drizzle-orm'
import { db } from '../db/client'
import { images, repairState } from '../db/schema'
import { stagingKey } from '../upload/stage'

/** Objects younger than this are left alone: their upload may still be writing its rows. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000
export const SWEEP_KEYS_PER_RUN = 500
const CURSOR = 'orphan-sweep-after'
/** D1 binds at most 100 parameters per statement. */
const IDS_PER_QUERY = 100
/** Our keys all start with the image id; anything else in the bucket is not ours to judge. */
const STAGING_SUFFIX = stagingKey('')
const IMAGE_PREFIX = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//

export interface SweepReport {
  scanned: number
  deleted: string[]
  /** True when this run reached the end of the bucket and the next starts over. */
  wrapped: boolean
}

export async function sweepOrphans(env: Env, now = Date.now(), keysPerRun = SWEEP_KEYS_PER_RUN): Promise<SweepReport> {
  const database = db(env.DB)
  const cursor = await database.select({ value: repairState.value }).from(repairState).where(eq(repairState.name, CURSOR)).get()
  const listed = await env.IMAGES.list({ limit: keysPerRun, ...(cursor?.value ? { startAfter: cursor.value } : {}) })

  const old = listed.objects.filter((o) => o.uploaded.getTime() < now - ORPHAN_GRACE_MS && IMAGE_PREFIX.test(o.key))
  const ids = [...new Set(old.map((o) => IMAGE_PREFIX.exec(o.key)![1]!))]
  const existing = new Set<string>()
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const rows = await database.select({ id: images.id }).from(images).where(inArray(images.id, ids.slice(i, i + IDS_PER_QUERY)))
    for (const row of rows) existing.add(row.id)
  }
  // A staging object outlives its upload only if the upload died: past the grace period it goes, row or not.
  const deleted = old.filter((o) => o.key.endsWith(STAGING_SUFFIX) || !existing.has(IMAGE_PREFIX.exec(o.key)![1]!)).map((o) => o.key)
  if (deleted.length > 0) await env.IMAGES.delete(deleted)

  const wrapped = !listed.truncated
  const next = wrapped ? '' : (listed.objects.at(-1)?.key ?? '')
  await database
    .insert(repairState)
    .values({ name: CURSOR, value: next, updatedAt: now })
    .onConflictDoUpdate({ target: repairState.name, set: { value: next, updatedAt: now } })
  if (deleted.length > 0) console.log(JSON.stringify({ event: 'repair.orphans_deleted', count: deleted.length, keys: deleted.slice(0, 20) }))
  return { scanned: listed.objects.length, deleted, wrapped }
}
