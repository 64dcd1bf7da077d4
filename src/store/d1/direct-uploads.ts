/**
 * One-time upload URLs in D1. A use claims the row in one statement, so of two concurrent uses
 * only one proceeds; the claim is given back if the file is refused, and turned into `usedAt` in
 * the same batch that inserts the image (images.ts `insertImage`).
 */
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm'
import type { Store } from '..'
import { directUploads, type DirectUploadRow } from './schema'

export type { DirectUploadRow }

/**
 * A claim older than this belongs to a request that died (an upload takes seconds). Generous, so a
 * slow upload that is still alive is never raced by a second one for the same image id.
 */
export const CLAIM_STALE_MS = 10 * 60 * 1000

/** How long a used or expired row is kept, so a late second use still gets a clear 410 (then: 404). */
export const DIRECT_UPLOAD_RETENTION_MS = 24 * 60 * 60 * 1000

export async function insertDirectUpload({ db }: Store, row: DirectUploadRow): Promise<void> {
  await db.insert(directUploads).values(row)
}

export async function readDirectUpload({ db }: Store, id: string): Promise<DirectUploadRow | null> {
  return (await db.select().from(directUploads).where(eq(directUploads.id, id)).get()) ?? null
}

/** A use takes the row if it is unused, unexpired and not being used (or that use died); false: someone else has it, or it is spent. */
export async function claimDirectUpload({ db }: Store, id: string, now: number): Promise<boolean> {
  const won = await db
    .update(directUploads)
    .set({ claimedAt: now })
    .where(
      and(
        eq(directUploads.id, id),
        isNull(directUploads.usedAt),
        sql`${directUploads.expiresAt} > ${now}`,
        or(isNull(directUploads.claimedAt), lte(directUploads.claimedAt, now - CLAIM_STALE_MS)),
      ),
    )
    .returning({ id: directUploads.id })
  return won.length === 1
}

/** Gives a claim back after a refused file (nothing was stored), so the URL can be used again. */
export async function releaseDirectUpload({ db }: Store, id: string, claimedAt: number): Promise<void> {
  await db
    .update(directUploads)
    .set({ claimedAt: null })
    .where(and(eq(directUploads.id, id), eq(directUploads.claimedAt, claimedAt), isNull(directUploads.usedAt)))
}

/** The statement marking the claim used, for the batch that inserts the image. */
export const markDirectUploadUsed = ({ db }: Store, id: string, claimedAt: number, now: number) =>
  db
    .update(directUploads)
    .set({ usedAt: now, claimedAt: null })
    .where(and(eq(directUploads.id, id), eq(directUploads.claimedAt, claimedAt)))

/** Deletes rows expired or used more than the retention ago, a bounded number per run (the repair cron). */
export async function purgeDirectUploads({ db }: Store, now = Date.now(), limit = 1000): Promise<number> {
  const before = now - DIRECT_UPLOAD_RETENTION_MS
  const result = await db.run(
    sql`DELETE FROM direct_uploads WHERE rowid IN (SELECT rowid FROM direct_uploads WHERE expires_at <= ${before} OR used_at <= ${before} LIMIT ${limit})`,
  )
  return result.meta.changes ?? 0
}
