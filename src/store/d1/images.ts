/** Images and their variant rows in D1: the upload's insert, reads by id and by page, and deletion. */
import { and, asc, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm'
import type { Store } from '..'
import { dispatchQuietly } from '../webhooks'
import { markDirectUploadUsed } from './direct-uploads'
import { deletedEventStatement } from './webhooks'
import { idempotencyKeys, imageVariants, images, variantFiles, type ImageRow, type VariantFileRow, type VariantRow } from './schema'

export type { ImageRow, VariantFileRow, VariantRow }
export { STATUSES, type Status } from './schema'

export interface ImageWithVariants {
  image: ImageRow
  variants: VariantRow[]
  /** The made variants' files, every format. */
  files: VariantFileRow[]
}

/** The files of the variants that `which` (a condition on image_variants) selects, as one statement. */
const filesOf = (db: Store['db'], which: SQL) =>
  db
    .select()
    .from(variantFiles)
    .where(inArray(variantFiles.variantId, db.select({ id: imageVariants.id }).from(imageVariants).where(which)))

export async function loadImage({ db }: Store, id: string): Promise<ImageWithVariants | null> {
  const [image, variants, files] = await db.batch([
    db.select().from(images).where(eq(images.id, id)).limit(1),
    db.select().from(imageVariants).where(eq(imageVariants.originalImageId, id)).orderBy(asc(imageVariants.name)),
    filesOf(db, eq(imageVariants.originalImageId, id)),
  ])
  return image[0] ? { image: image[0], variants, files } : null
}

/** The claim an upload made on its Idempotency-Key: linked to the image in the same batch as its rows. */
export interface IdempotencyClaim {
  userId: string
  key: string
  claim: string
}

/** A direct upload's claim, marked used in the same batch as the image's rows. */
export interface DirectUploadClaim {
  id: string
  claimedAt: number
}

/** What an upload's rows are linked to, atomically with them. */
export interface UploadLinks {
  idempotency?: IdempotencyClaim | null
  directUpload?: DirectUploadClaim | null
}

/** The image and its variants in one batch (and the idempotency key or direct upload with them): all or nothing. */
export async function insertImage(store: Store, image: ImageRow, variants: VariantRow[], links: UploadLinks = {}): Promise<void> {
  const { db } = store
  const claim = links.idempotency
  const link = claim
    ? [
        db
          .update(idempotencyKeys)
          .set({ imageId: image.id })
          .where(and(eq(idempotencyKeys.userId, claim.userId), eq(idempotencyKeys.key, claim.key), eq(idempotencyKeys.claim, claim.claim))),
      ]
    : []
  const direct = links.directUpload ? [markDirectUploadUsed(store, links.directUpload.id, links.directUpload.claimedAt, image.createdAt)] : []
  await db.batch([db.insert(images).values(image), db.insert(imageVariants).values(variants), ...link, ...direct])
}

/** Whether the image row exists; null when D1 cannot tell us. */
export async function imageExists({ db }: Store, id: string): Promise<boolean | null> {
  try {
    return (await db.select({ id: images.id }).from(images).where(eq(images.id, id)).get()) !== undefined
  } catch {
    return null
  }
}

/** The ids among `ids` that have an image row (D1 binds at most 100 parameters per statement). */
export async function existingImageIds({ db }: Store, ids: string[]): Promise<Set<string>> {
  const existing = new Set<string>()
  for (let i = 0; i < ids.length; i += 100) {
    const rows = await db.select({ id: images.id }).from(images).where(inArray(images.id, ids.slice(i, i + 100)))
    for (const row of rows) existing.add(row.id)
  }
  return existing
}

/** A draft becomes `processing` once its messages are queued; any other status is left alone. */
export async function markQueued({ db }: Store, id: string, now = Date.now()): Promise<void> {
  await db.update(images).set({ status: 'processing', updatedAt: now }).where(and(eq(images.id, id), eq(images.status, 'draft')))
}

export async function isOwner({ db }: Store, id: string, userId: string): Promise<boolean> {
  return (await db.select({ id: images.id }).from(images).where(and(eq(images.id, id), eq(images.userId, userId))).get()) !== undefined
}

/**
 * The image's rows, and the idempotency keys naming it (a retry must not replay an answer naming a
 * deleted image); its `image.deleted` webhook event in the same batch, fanned out after it.
 */
export async function deleteImageRows(store: Store, id: string): Promise<void> {
  const { db } = store
  const [event] = await db.batch([
    deletedEventStatement(db, id, Date.now()),
    db.delete(imageVariants).where(eq(imageVariants.originalImageId, id)),
    db.delete(images).where(eq(images.id, id)),
    db.delete(idempotencyKeys).where(eq(idempotencyKeys.imageId, id)),
  ])
  await dispatchQuietly(store, event.map((e) => e.id))
}

/** Where a page ends: the last image's (createdAt, id), the sort key. */
export interface PageCursor {
  createdAt: number
  id: string
}

/**
 * A user's images newest first, strictly after `after` in (createdAt desc, id desc) order, with
 * their variants, in one round trip; `more` says whether a next page exists.
 */
export async function listImages({ db }: Store, userId: string, limit: number, after: PageCursor | null): Promise<{ items: ImageWithVariants[]; more: boolean }> {
  const conditions: SQL[] = [eq(images.userId, userId)]
  // Ties on createdAt are split by id.
  if (after) conditions.push(or(lt(images.createdAt, after.createdAt), and(eq(images.createdAt, after.createdAt), lt(images.id, after.id)))!)
  // One more than asked tells whether a next page exists.
  const page = () =>
    db
      .select()
      .from(images)
      .where(and(...conditions))
      .orderBy(desc(images.createdAt), desc(images.id))
      .limit(limit + 1)
  const pageIds = db
    .select({ id: images.id })
    .from(images)
    .where(and(...conditions))
    .orderBy(desc(images.createdAt), desc(images.id))
    .limit(limit + 1)
  const [rows, variants, files] = await db.batch([
    page(),
    db.select().from(imageVariants).where(inArray(imageVariants.originalImageId, pageIds)),
    filesOf(db, inArray(imageVariants.originalImageId, pageIds)),
  ])
  const byImage = Map.groupBy(variants, (v) => v.originalImageId)
  const imageOfVariant = new Map(variants.map((v) => [v.id, v.originalImageId]))
  const filesByImage = Map.groupBy(files, (f) => imageOfVariant.get(f.variantId)!)
  return {
    items: rows.slice(0, limit).map((image) => ({ image, variants: byImage.get(image.id) ?? [], files: filesByImage.get(image.id) ?? [] })),
    more: rows.length > limit,
  }
}
