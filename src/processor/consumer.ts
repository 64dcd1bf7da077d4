/**
 * Queue consumer: one message per variant. Messages are grouped by image so
 * each original is fetched, checked and decoded once per batch. Every message
 * is acked or retried on its own; redelivery is harmless because the file key
 * is derived from the content and the row update is idempotent.
 */
import { db } from '../db/client'
import type { ImageRow, VariantRow } from '../db/schema'
import { loadImage } from '../api/metadata'
import { contentTypeFor, extensionFor, fileKey } from '../delivery/keys'
import { readConfig } from '../lib/config'
import { sha256Hex } from '../lib/crypto'
import { IMMUTABLE } from '../upload/store'
import { VariantMessage } from '../variant/message'
import { presetByName } from '../variant/presets'
import { ImageDecodeError } from './errors'
import { markFailed, recordVariant } from './record'
import { renderVariants } from './render'

type Msg = Message<unknown>

/** Where messages go after their last retry (wrangler.processor.toml). */
export const DEAD_LETTER_QUEUE = 'image-variants-dlq'

/** Exponential backoff for transient failures (storage, database): 10 s, 20 s, 40 s ... capped at 5 min. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1))

const log = (event: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ event, ...fields }))

export async function processVariantBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const groups = new Map<string, { body: VariantMessage; msg: Msg }[]>()
  for (const msg of batch.messages) {
    const parsed = VariantMessage.safeParse(msg.body)
    if (!parsed.success) {
      log('variant.bad_message', { id: msg.id })
      msg.ack()
      continue
    }
    const group = groups.get(parsed.data.imageId) ?? []
    group.push({ body: parsed.data, msg })
    groups.set(parsed.data.imageId, group)
  }
  // One image at a time: the memory budget is per isolate, not per image.
  for (const [imageId, items] of groups) {
    await processImage(env, imageId, items).catch((err) => {
      log('variant.retry', { imageId, error: String(err) })
      for (const { msg } of items) msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) })
    })
  }
}

async function processImage(env: Env, imageId: string, items: { body: VariantMessage; msg: Msg }[]): Promise<void> {
  const database = db(env.DB)
  const found = await loadImage(database, imageId)
  if (!found) {
    // Deleted while queued: nothing to make.
    for (const { msg } of items) msg.ack()
    return
  }
  const pending = new Map<string, { variant: VariantRow; msg: Msg }>()
  for (const { body, msg } of items) {
    const variant = found.variants.find((v) => v.id === body.variantId)
    if (!variant || variant.status === 'completed' || variant.status === 'failed') msg.ack()
    else pending.set(variant.name, { variant, msg })
  }
  if (pending.size === 0) return

  const started = Date.now()
  const original = await readOriginal(env, found.image)
  if (typeof original === 'string') {
    await markFailed(database, imageId, [...pending.values()].map((p) => p.variant.id), original)
    for (const { msg } of pending.values()) msg.ack()
    log('variant.failed', { imageId, reason: original })
    return
  }

  const boxes = [...pending.keys()].map((name) => presetByName(name)!)
  const maxPixels = readConfig(env).maxPixels
  try {
    for await (const out of renderVariants(original, boxes, { maxPixels })) {
      const { variant, msg } = pending.get(out.name)!
      const sha256 = await sha256Hex(out.bytes)
      const ext = extensionFor(out.format)
      const key = fileKey(imageId, out.name, out.width, out.height, sha256, ext)
      await env.IMAGES.put(key, out.bytes, { sha256, httpMetadata: { contentType: contentTypeFor(ext), cacheControl: IMMUTABLE }, customMetadata: { sha256, imageId } })
      const kept = await recordVariant(database, imageId, variant.id, { imagePath: key, width: out.width, height: out.height, bytes: out.bytes.byteLength, sha256 })
      // The image was deleted while we worked: do not leave its file behind.
      if (!kept) await env.IMAGES.delete(key)
      msg.ack()
      pending.delete(out.name)
      log('variant.completed', { imageId, variantId: variant.id, name: out.name, width: out.width, height: out.height, bytes: out.bytes.byteLength, ms: Date.now() - started })
    }
  } catch (err) {
    if (!(err instanceof ImageDecodeError)) throw err
    await markFailed(database, imageId, [...pending.values()].map((p) => p.variant.id), err.message)
    for (const { msg } of pending.values()) msg.ack()
    log('variant.failed', { imageId, reason: err.message })
  }
}

/** The original's bytes after checking them against the SHA-256 taken at upload, or why they can't be used. */
async function readOriginal(env: Env, image: ImageRow): Promise<Uint8Array | string> {
  const object = await env.IMAGES.get(image.imagePath)
  if (!object) return 'The original file is missing from storage.'
  const bytes = new Uint8Array(await object.arrayBuffer())
  if ((await sha256Hex(bytes)) !== image.sha256) return 'The stored original does not match its SHA-256 checksum.'
  return bytes
}

/** Messages that exhausted their retries end here: their variants become `failed`, never stuck. */
export async function processDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const database = db(env.DB)
  for (const msg of batch.messages) {
    const parsed = VariantMessage.safeParse(msg.body)
    if (parsed.success) {
      await markFailed(database, parsed.data.imageId, [parsed.data.variantId], 'Processing kept failing after every retry.')
      log('variant.dead_letter', { imageId: parsed.data.imageId, variantId: parsed.data.variantId })
    }
    msg.ack()
  }
}
