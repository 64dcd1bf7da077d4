/**
 * One image's job: its variants, as named steps (load, read original, render, store, record).
 * Redelivery and concurrent delivery are harmless: a file key is derived from the content and
 * only the first result is recorded. A step's failure is classified by what failed: a bad image
 * fails its variants at once (it can only fail again); anything else is retried with backoff.
 */
import { MAX_PIXELS } from '../formats/limits'
import { presetByName, type Preset } from '../formats/presets'
import { sha256Hex } from '../lib/crypto'
import { errorText, log } from '../lib/log'
import type { Store } from '../store'
import { loadImage, type ImageRow, type VariantRow } from '../store/d1/images'
import { markFailed, noteAttemptFailed, recordVariant, type MadeFile, type MadeVariant, type RecordOutcome } from '../store/d1/variants'
import { deleteLeftover, fileKey, getFile, isQuarantined, putFile, quarantine } from '../store/files'
import type { VariantMessage } from '../store/queue'
import { ImageDecodeError } from './errors'
import { renderVariants, type RenderedVariant } from './render'

export interface Delivery {
  body: VariantMessage
  msg: Message<unknown>
}

/** Exponential backoff for transient failures (storage, database): 10 s, 20 s, 40 s ... capped at 5 min. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1))

export const CHECKSUM_MISMATCH = 'The stored original does not match its SHA-256 checksum; it was moved out of delivery.'
const ORIGINAL_MISSING = 'The original file is missing from storage.'

/** A step that failed for a reason other than the image itself: the job is retried, saying which step. */
class StepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step} failed: ${errorText(cause)}`)
  }
}

/** Runs one named step; a bad image passes through as itself, anything else names the step. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw err instanceof ImageDecodeError || err instanceof StepError ? err : new StepError(name, err)
  }
}

type Pending = Map<string, { variant: VariantRow; msgs: Message<unknown>[] }>

/** Makes one image's variants; never throws: every message ends acked or retried with backoff. */
export async function makeVariants(store: Store, imageId: string, items: Delivery[]): Promise<void> {
  // Messages not yet acked: exactly these are retried if something transient fails.
  const open = new Map(items.map(({ body, msg }) => [msg, body.variantId]))
  const ack = (msg: Message<unknown>) => {
    msg.ack()
    open.delete(msg)
  }
  const started = Date.now()
  try {
    const found = await step('Reading the image record', () => loadImage(store, imageId))
    if (!found) {
      // Deleted while queued: nothing to make.
      for (const { msg } of items) ack(msg)
      return
    }
    const pending = pendingVariants(found.variants, items, ack)
    if (pending.size === 0) return

    const original = await step('Reading the original', () => readOriginal(store, found.image))
    if (typeof original === 'string') throw new ImageDecodeError(original)

    const presets = [...pending.keys()].map((name) => presetByName(name)!)
    const rendering = render(original, presets, imageId)
    for (;;) {
      const next = await step('Making the variants', () => rendering.next())
      if (next.done) break
      const made = next.value
      const { variant, msgs } = pending.get(made.name)!
      const files = await step('Storing the variant', () => storeVariant(store, found.image, made))
      const outcome = await step('Recording the variant', () => recordVariant(store, imageId, variant.id, { width: made.width, height: made.height, files }))
      await discardIfSuperseded(store, imageId, files, outcome)
      msgs.forEach(ack)
      pending.delete(made.name)
      log.info('variant.completed', { imageId, variantId: variant.id, name: made.name, outcome: outcome.kind, width: made.width, height: made.height, bytes: Object.fromEntries(files.map((f) => [f.format, f.bytes])), ms: Date.now() - started })
    }
  } catch (err) {
    await settleFailure(store, imageId, open, err, ack)
  }
}

/** The variants still to make, by name, with their messages; messages of finished or unknown variants are acked. */
function pendingVariants(variants: VariantRow[], items: Delivery[], ack: (msg: Message<unknown>) => void): Pending {
  const pending: Pending = new Map()
  for (const { body, msg } of items) {
    const variant = variants.find((v) => v.id === body.variantId)
    if (!variant || variant.status === 'completed' || variant.status === 'failed') ack(msg)
    else pending.set(variant.name, { variant, msgs: [...(pending.get(variant.name)?.msgs ?? []), msg] })
  }
  return pending
}

/**
 * The original's bytes after checking them against the SHA-256 taken at upload, or why they can't
 * be used. An original that fails the check is quarantined first, so it is never delivered as
 * good; a later delivery of the same message finds it there and gives the same reason.
 */
async function readOriginal(store: Store, image: ImageRow): Promise<Uint8Array | string> {
  const object = await getFile(store, image.imagePath)
  if (!object) return (await isQuarantined(store, image.imagePath)) ? CHECKSUM_MISMATCH : ORIGINAL_MISSING
  const bytes = new Uint8Array(await object.arrayBuffer())
  if ((await sha256Hex(bytes)) === image.sha256) return bytes
  log.error('original.checksum_mismatch', { imageId: image.id, key: image.imagePath })
  await quarantine(store, object, bytes)
  return CHECKSUM_MISMATCH
}

/** Decode, colour, resize to every variant, orient, encode: see render.ts. */
function render(original: Uint8Array, presets: Preset[], imageId: string): AsyncGenerator<RenderedVariant> {
  return renderVariants(original, presets, { maxPixels: MAX_PIXELS, onColourFallback: (reason) => log.warn('colour.fallback', { imageId, reason }) })
}

/** Step: every format's file under its content-hashed key; the fallback first. */
async function storeVariant(store: Store, image: ImageRow, made: RenderedVariant): Promise<MadeVariant['files']> {
  const imageId = image.id
  const stored: MadeFile[] = []
  for (const file of made.files) {
    const sha256 = await sha256Hex(file.bytes)
    const key = fileKey(imageId, made.name, made.width, made.height, sha256, file.format)
    await putFile(store, key, file.bytes, { sha256, format: file.format, imageId, private: image.private })
    stored.push({ format: file.format, imagePath: key, bytes: file.bytes.byteLength, sha256 })
  }
  return stored as MadeVariant['files']
}

/** Someone else's result stands (or the image is gone): never leave a second set of files behind. */
async function discardIfSuperseded(store: Store, imageId: string, files: MadeFile[], outcome: RecordOutcome): Promise<void> {
  if (outcome.kind === 'gone' || (outcome.kind === 'settled' && outcome.imagePath !== files[0]!.imagePath)) {
    await deleteLeftover(store, files.map((f) => f.imagePath), { imageId })
  }
}

/** A bad image fails its open variants now; anything else (or failing to record that) is retried. */
async function settleFailure(store: Store, imageId: string, open: Map<Message<unknown>, string>, err: unknown, ack: (msg: Message<unknown>) => void): Promise<void> {
  const variantIds = [...new Set(open.values())]
  if (err instanceof ImageDecodeError) {
    try {
      await markFailed(store, imageId, variantIds, err.message)
      for (const msg of [...open.keys()]) ack(msg)
      log.warn('variant.failed', { imageId, reason: err.message })
      return
    } catch (recordErr) {
      err = new StepError('Recording the failure', recordErr)
    }
  }
  const reason = err instanceof StepError ? err.message : `Processing failed: ${errorText(err)}`
  log.warn('variant.retry', { imageId, reason })
  // Best effort: if D1 is what fails, the reason is lost but the retry is not.
  await noteAttemptFailed(store, variantIds, reason).catch(() => {})
  for (const msg of open.keys()) msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) })
}
