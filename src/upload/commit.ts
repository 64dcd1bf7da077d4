/**
 * Commits an accepted upload: the staged original is copied, streamed, to its content-hashed key
 * (R2 checks our SHA-256) and the staging object deleted, then the image and variant rows go to D1
 * in one batch, then one queue message per variant. A failure before the rows exist removes the
 * object, so nothing is left half-written (a D1 error that hid a commit is detected and the upload
 * goes on; an object whose fate is unknown is left to the repair sweep); a failed enqueue leaves
 * the image in `draft` for the repair job instead of failing an upload that is already stored.
 */
import { displayedSize, type ImageHeader } from '../formats/header'
import { fitWithin, outputFormat, PRESETS } from '../formats/presets'
import { FORMATS } from '../formats/registry'
import { newId } from '../lib/crypto'
import type { CustomMetadata } from '../lib/custom-metadata'
import { log } from '../lib/log'
import { ProblemError } from '../lib/problem'
import type { Store } from '../store'
import { imageExists, insertImage, markQueued, type ImageRow, type UploadLinks, type VariantRow } from '../store/d1/images'
import { deleteLeftover, fileKey, getFile, putFile } from '../store/files'
import { enqueueVariants } from '../store/queue'
import { releaseStaged, type StagedUpload } from './stage'

/** What the uploader says about the file, besides its bytes. */
export interface UploadDetails {
  fileName: string | null
  /** Files only through signed URLs. */
  private: boolean
  metadata: CustomMetadata | null
}

export interface CommittedUpload {
  image: ImageRow
  variants: VariantRow[]
}

const unavailable = (what: string) => new ProblemError(503, 'unavailable', `The image could not be ${what}. Please retry.`, { 'retry-after': '5' })

export async function commitUpload(
  store: Store,
  userId: string,
  staged: StagedUpload,
  header: ImageHeader,
  details: UploadDetails,
  links: UploadLinks,
): Promise<CommittedUpload> {
  const { fileName } = details
  const id = staged.imageId
  const { sha256 } = staged
  const shown = displayedSize(header)
  const contentType = FORMATS[header.format].mimeType
  const key = fileKey(id, 'original', shown.width, shown.height, sha256, header.format)
  const now = Date.now()

  try {
    // Only the file's bytes: the staging object may carry zero padding after them.
    const source = await getFile(store, staged.key, { offset: 0, length: staged.bytes })
    if (!source) throw new Error('the staging object is gone')
    await putFile(store, key, source.body, { sha256, format: header.format, imageId: id, private: details.private })
  } catch (err) {
    log.error('upload.r2_put_failed', { imageId: id, error: String(err) })
    await releaseStaged(store, staged)
    throw unavailable('stored')
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
    private: details.private,
    metadata: details.metadata,
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
    contentType: FORMATS[outputFormat(preset, header.format)].mimeType,
    bytes: null,
    sha256: null,
    error: null,
    lastError: null,
    repairs: 0,
    updatedAt: now,
  }))

  try {
    await insertImage(store, image, variants, links)
  } catch (err) {
    // A timeout can hide a commit: only a row that is surely absent lets the object go.
    const committed = await imageExists(store, id)
    log.error('upload.d1_insert_failed', { imageId: id, committed, error: String(err) })
    if (committed !== true) {
      // Unknown (D1 still down) or a failed delete: the repair sweep removes objects without a row.
      if (committed === false) {
        staged.released = true
        await deleteLeftover(store, [key, staged.key], { imageId: id })
      } else await releaseStaged(store, staged)
      throw unavailable('recorded')
    }
  }

  await releaseStaged(store, staged)
  try {
    await enqueueVariants(store, id, variants)
  } catch (err) {
    // Stored safely; the repair job enqueues drafts it finds later.
    log.error('upload.enqueue_failed', { imageId: id, error: String(err) })
    return { image, variants }
  }
  try {
    await markQueued(store, id)
    image.status = 'processing'
  } catch (err) {
    // Queued but still `draft` in D1: the consumer's results roll the status up anyway.
    log.error('upload.status_update_failed', { imageId: id, error: String(err) })
  }
  return { image, variants }
}
