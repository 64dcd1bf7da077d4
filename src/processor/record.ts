import { and, eq, inArray, ne, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { imageVariants, images } from '../db/schema'

/**
 * The image's status follows from its variants: failed if any failed,
 * completed when all are, else unchanged. Run in the same batch as the
 * variant update so readers never see the two disagree.
 */
const rollUp = (database: Db, imageId: string, now: number) =>
  database
    .update(images)
    .set({
      status: sql`CASE
        WHEN EXISTS (SELECT 1 FROM image_variants WHERE original_image_id = ${imageId} AND status = 'failed') THEN 'failed'
        WHEN NOT EXISTS (SELECT 1 FROM image_variants WHERE original_image_id = ${imageId} AND status <> 'completed') THEN 'completed'
        ELSE ${images.status} END`,
      error: sql`COALESCE(${images.error}, (SELECT error FROM image_variants WHERE original_image_id = ${imageId} AND status = 'failed' LIMIT 1))`,
      updatedAt: now,
    })
    .where(eq(images.id, imageId))

export interface MadeVariant {
  imagePath: string
  width: number
  height: number
  bytes: number
  sha256: string
}

/** Marks a variant made. Returns false when its row no longer exists (the image was deleted meanwhile). */
export async function recordVariant(database: Db, imageId: string, variantId: string, made: MadeVariant): Promise<boolean> {
  const now = Date.now()
  const [updated] = await database.batch([
    database
      .update(imageVariants)
      .set({ ...made, status: 'completed', error: null, updatedAt: now })
      .where(and(eq(imageVariants.id, variantId), ne(imageVariants.status, 'failed')))
      .returning({ id: imageVariants.id }),
    rollUp(database, imageId, now),
  ])
  return updated.length > 0
}

export async function markFailed(database: Db, imageId: string, variantIds: string[], reason: string): Promise<void> {
  if (variantIds.length === 0) return
  const now = Date.now()
  await database.batch([
    database
      .update(imageVariants)
      .set({ status: 'failed', error: reason, updatedAt: now })
      .where(and(inArray(imageVariants.id, variantIds), ne(imageVariants.status, 'completed'))),
    rollUp(database, imageId, now),
  ])
}
