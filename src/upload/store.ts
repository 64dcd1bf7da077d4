import { and, eq } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { db, type Db } from '../db/client'
import { imageVariants, images, type ImageRow, type VariantRow } from '../db/schema'
import { contentTypeFor, extensionFor, fileKey } from '../delivery/keys'
import { ProblemError } from '../lib/problem'
import type { VariantMessage } from '../variant/message'
import { PRESETS, fitWithin } from '../variant/presets'
import { displayedSize, type ImageHeader } from './sniff'
import { releaseStaged, type StagedUpload } from './stage'
import { newId } from '../lib/crypto'

/** Objects are immutable: the key changes whenever the content does. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

/** More statements to commit atomically with the image rows (the idempotency link). */
export type AlsoInBatch = (database: Db, imageId: string) => BatchItem<'sqlite'>[]

export interface StoredUpload {
  image: ImageRow
  variants: VariantRow[]
}

/**
 * Stores an accepted upload: the staged original is copied, streamed, to its
 * content-hashed key (R2 checks our SHA-256) and the staging object deleted,
 * then the image and variant rows in one D1 batch, then one queue message
 * per variant. A failure before the rows exist removes the object, so nothing
 * is left half-written (a D1 error that hid a commit is detected and the upload
 * goes on; an object whose fate is unknown is left to the repair sweep); a failed enqueue leaves the image in `draft` for the
 * repair job instead of failing an upload that is already safely stored.
 */
export async function storeUpload(
  env: Env,
  userId: string,
  staged: StagedUpload,
  header: ImageHeader,
  fileName: string | null,
  alsoInBatch: AlsoInBatch = () => [],
): Promise<StoredUpload> {
  const id = staged.imageId
  const { sha256 } = staged
  const shown = displayedSize(header)
  const ext = extensionFor(header.format)
  const contentType = contentTypeFor(ext)
  const key = fileKey(id, 'original', shown.width, shown.height, sha256, ext)
  const now = Date.now()

  try {
    // Only the file's bytes: the staging object may carry zero padding after them.
    const source = await env.IMAGES.get(staged.key, { range: { offset: 0, length: staged.bytes } })
    if (!source) throw new Error('the staging object is gone')
    await env.IMAGES.put(key, source.body, {
      sha256,
      httpMetadata: { contentType, cacheControl: IMMUTABLE },
      customMetadata: { sha256, imageId: id },
    })
  } catch (err) {
    console.error(JSON.stringify({ event: 'upload.r2_put_failed', imageId: id, error: String(err) }))
    await releaseStaged(env, staged)
    throw new ProblemError(503, 'unavailable', 'The image could not be stored. Please retry.', { 'retry-after': '5' })
  }

  const image: ImageRow = {
    id,
    userId,
    imagePath: key,
    width: shown.width,
    height: shown.height,
    status: 'draft',
    fileName,
    contentType,
    bytes: staged.bytes,
    sha256,
    orientation: header.orientation,
    error: null,
    createdAt: now,
    updatedAt: now,
  }
  const variants: VariantRow[] = PRESETS.map((preset) => ({
    id: newId(),
    originalImageId: id,
    name: preset.name,
    imagePath: null,
    ...fitWithin(shown, preset),
    status: 'processing',
    contentType,
    bytes: null,
    sha256: null,
    error: null,
    lastError: null,
    repairs: 0,
    updatedAt: now,
  }))

  const database = db(env.DB)
  try {
    await database.batch([database.insert(images).values(image), database.insert(imageVariants).values(variants), ...alsoInBatch(database, id)])
  } catch (err) {
    // A timeout can hide a commit: only a row that is surely absent lets the object go.
    const committed = await imageExists(database, id)
    console.error(JSON.stringify({ event: 'upload.d1_insert_failed', imageId: id, committed, error: String(err) }))
    if (committed !== true) {
      // Unknown (D1 still down) or a failed delete: the repair sweep removes objects without a row.
      if (committed === false) {
        // Both objects in one call.
        staged.released = true
        await env.IMAGES.delete([key, staged.key]).catch((e) => console.error(JSON.stringify({ event: 'upload.orphan_left', imageId: id, error: String(e) })))
      } else await releaseStaged(env, staged)
      throw new ProblemError(503, 'unavailable', 'The image could not be recorded. Please retry.', { 'retry-after': '5' })
    }
  }

  await releaseStaged(env, staged)
  try {
    await enqueueVariants(env, id, variants)
  } catch (err) {
    // Stored safely; the repair job enqueues drafts it finds later.
    console.error(JSON.stringify({ event: 'upload.enqueue_failed', imageId: id, error: String(err) }))
    return { image, variants }
  }
  try {
    await database.update(images).set({ status: 'processing', updatedAt: Date.now() }).where(and(eq(images.id, id), eq(images.status, 'draft')))
    image.status = 'processing'
  } catch (err) {
    // Queued but still `draft` in D1: the consumer's results roll the status up anyway.
    console.error(JSON.stringify({ event: 'upload.status_update_failed', imageId: id, error: String(err) }))
  }
  return { image, variants }
}

/** Whether the image row exists; null when D1 cannot tell us. */
async function imageExists(database: Db, id: string): Promise<boolean | null> {
  try {
    return (await database.select({ id: images.id }).from(images).where(eq(images.id, id)).get()) !== undefined
  } catch {
    return null
  }
}

export async function enqueueVariants(env: Env, imageId: string, variants: Pick<VariantRow, 'id' | 'name'>[]) {
  if (variants.length === 0) return
  await env.VARIANT_QUEUE.sendBatch(
    variants.map((v) => ({ body: { imageId, variantId: v.id, preset: v.name } as VariantMessage, contentType: 'json' as const })),
  )
}
