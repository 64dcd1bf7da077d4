/**
 * Variant results in D1: each write rolls the image's status up in the same batch, and nothing
 * changes a variant that reached a final state. The write that makes the image final also writes
 * its webhook event (if anyone listens), and fans it out after the batch.
 */
import { and, asc, eq, inArray, lt, notInArray, sql } from 'drizzle-orm'
import type { Store } from '..'
import { dispatchQuietly } from '../webhooks'
import type { Db } from './client'
import { finalEventStatement } from './webhooks'
import { imageVariants, images, variantFiles, type Status } from './schema'

/** Final states: nothing the consumer does later may change them. */
const FINAL: Status[] = ['completed', 'failed']

/** Longest reason kept; errors surface in public metadata. */
const MAX_REASON = 300
export const clip = (reason: string) => (reason.length > MAX_REASON ? reason.slice(0, MAX_REASON - 1) + '…' : reason)

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

/** The ids a `finalEventStatement` returned (none when the image is not final yet, or nobody listens). */
const eventIds = (rows: unknown) => (rows as { id: string }[]).map((r) => r.id)

/** One stored file of a made variant. */
export interface MadeFile {
  format: string
  imagePath: string
  bytes: number
  sha256: string
}

export interface MadeVariant {
  width: number
  height: number
  /** Every format made; the first is the fallback (the original's format), kept on the variant row too. */
  files: [MadeFile, ...MadeFile[]]
}

/**
 * What became of a made variant: `recorded` (ours is the result), `settled`
 * (another delivery finished it first, or it was failed meanwhile; `imagePath`
 * is what the row keeps), or `gone` (the image was deleted meanwhile).
 */
export type RecordOutcome = { kind: 'recorded' } | { kind: 'settled'; imagePath: string | null } | { kind: 'gone' }

/**
 * Marks a variant made, only if nothing finished it before: the first result
 * wins, so two consumers racing on one variant leave one consistent row.
 */
export async function recordVariant(store: Store, imageId: string, variantId: string, made: MadeVariant): Promise<RecordOutcome> {
  const database = store.db
  const now = Date.now()
  const fallback = made.files[0]
  // The file rows are written only if the variant row now holds our fallback: the first result wins for all its files.
  const ours = and(eq(imageVariants.id, variantId), eq(imageVariants.status, 'completed'), eq(imageVariants.imagePath, fallback.imagePath))
  const files = made.files.map((f) =>
    database
      .insert(variantFiles)
      .select(
        database
          .select({
            variantId: sql<string>`${variantId}`.as('variant_id'),
            format: sql<string>`${f.format}`.as('format'),
            imagePath: sql<string>`${f.imagePath}`.as('image_path'),
            bytes: sql<number>`${f.bytes}`.as('bytes'),
            sha256: sql<string>`${f.sha256}`.as('sha256'),
          })
          .from(imageVariants)
          .where(ours),
      )
      .onConflictDoNothing(),
  )
  const results = await database.batch([
    database
      .update(imageVariants)
      .set({ imagePath: fallback.imagePath, width: made.width, height: made.height, bytes: fallback.bytes, sha256: fallback.sha256, status: 'completed', error: null, lastError: null, updatedAt: now })
      .where(and(eq(imageVariants.id, variantId), notInArray(imageVariants.status, FINAL)))
      .returning({ id: imageVariants.id }),
    ...files,
    rollUp(database, imageId, now),
    finalEventStatement(database, imageId, now),
  ])
  const [updated] = results
  await dispatchQuietly(store, eventIds(results.at(-1)))
  if (updated.length > 0) return { kind: 'recorded' }
  const row = await database.select({ imagePath: imageVariants.imagePath }).from(imageVariants).where(eq(imageVariants.id, variantId)).get()
  return row ? { kind: 'settled', imagePath: row.imagePath } : { kind: 'gone' }
}

export async function markFailed(store: Store, imageId: string, variantIds: string[], reason: string): Promise<void> {
  if (variantIds.length === 0) return
  const database = store.db
  const now = Date.now()
  const [, , event] = await database.batch([
    database
      .update(imageVariants)
      .set({ status: 'failed', error: clip(reason), updatedAt: now })
      .where(and(inArray(imageVariants.id, variantIds), notInArray(imageVariants.status, FINAL))),
    rollUp(database, imageId, now),
    finalEventStatement(database, imageId, now),
  ])
  await dispatchQuietly(store, eventIds(event))
}

/**
 * Remembers why an attempt failed while the message is retried, so that the
 * dead-letter consumer can say why. Does not count as progress (`updatedAt`
 * stays), so the repair cron still sees a variant that keeps failing.
 */
export async function noteAttemptFailed({ db: database }: Store, variantIds: string[], reason: string): Promise<void> {
  if (variantIds.length === 0) return
  await database
    .update(imageVariants)
    .set({ lastError: clip(reason) })
    .where(and(inArray(imageVariants.id, variantIds), notInArray(imageVariants.status, FINAL)))
}

export const DEAD_LETTER_REASON = 'Processing kept failing after every retry'

/** A variant whose message exhausted its retries: failed, with the last attempt's error as the reason. */
export async function markDeadLettered(store: Store, imageId: string, variantId: string): Promise<void> {
  const database = store.db
  const now = Date.now()
  const [, , event] = await database.batch([
    database
      .update(imageVariants)
      .set({
        status: 'failed',
        error: sql`${DEAD_LETTER_REASON} || COALESCE(': ' || ${imageVariants.lastError}, '.')`,
        updatedAt: now,
      })
      .where(and(eq(imageVariants.id, variantId), notInArray(imageVariants.status, FINAL))),
    rollUp(database, imageId, now),
    finalEventStatement(database, imageId, now),
  ])
  await dispatchQuietly(store, eventIds(event))
}

/** Variants still `draft` or `processing` that have not moved since `cutoff`, oldest first. */
export function findStuckVariants({ db: database }: Store, cutoff: number, limit: number) {
  return database
    .select({ id: imageVariants.id, name: imageVariants.name, imageId: imageVariants.originalImageId, repairs: imageVariants.repairs })
    .from(imageVariants)
    .where(and(inArray(imageVariants.status, ['draft', 'processing']), lt(imageVariants.updatedAt, cutoff)))
    .orderBy(asc(imageVariants.updatedAt))
    .limit(limit)
}

/** Counts a repair attempt, which also counts as progress (`updatedAt`), so the next run waits again. */
export async function countRepairAttempt({ db: database }: Store, variantIds: string[], now: number): Promise<void> {
  await database
    .update(imageVariants)
    .set({ repairs: sql`${imageVariants.repairs} + 1`, updatedAt: now })
    .where(inArray(imageVariants.id, variantIds))
}
