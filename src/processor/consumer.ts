/**
 * Queue consumer: one message per variant. Messages are grouped by image so
 * each original is fetched, checked and decoded once per batch. Every message
 * is acked or retried on its own; redelivery and concurrent delivery are
 * harmless because the file key is derived from the content and only the
 * first result is recorded.
 */
import { db, type Db } from '../db/client'
import type { ImageRow, VariantRow } from '../db/schema'
import { loadImage } from '../api/metadata'
import { contentTypeFor, extensionFor, fileKey } from '../delivery/keys'
import { readConfig } from '../lib/config'
import { sha256Hex } from '../lib/crypto'
import { IMMUTABLE } from '../upload/store'
import { VariantMessage } from '../variant/message'
import { presetByName } from '../variant/presets'
import { ImageDecodeError } from './errors'
import { markDeadLettered, markFailed, noteAttemptFailed, recordVariant } from './record'
import { renderVariants } from './render'

type Msg = Message<unknown>

/** Where messages go after their last retry (wrangler.processor.toml). */
export const DEAD_LETTER_QUEUE = 'image-variants-dlq'

/** Exponential backoff for transient failures (storage, database): 10 s, 20 s, 40 s ... capped at 5 min. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1))

export const CHECKSUM_MISMATCH = 'The stored original does not match its SHA-256 checksum; it was moved out of delivery.'
const ORIGINAL_MISSING = 'The original file is missing from storage.'

/** Where an original whose bytes fail their checksum is kept for inspection: not a delivery key, so /files answers 404. */
export const quarantineKey = (key: string) => key.replace('/', '/quarantine/')

const log = (event: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ event, ...fields }))
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/**
 * Wall-clock time after which a batch starts no further image (wall time
 * bounds CPU time). Every accepted image's own worst case is bounded at upload
 * (docs/processor.md), so budget plus one image stays under `limits.cpu_ms`
 * (wrangler.processor.toml): a long batch is cut short, never killed.
 */
export const BATCH_BUDGET_MS = 20_000

type Group = { imageId: string; items: { body: VariantMessage; msg: Msg }[] }

export async function processVariantBatch(batch: MessageBatch<unknown>, env: Env, options: { budgetMs?: number } = {}): Promise<void> {
  const groups = new Map<string, Group>()
  for (const msg of batch.messages) {
    const parsed = VariantMessage.safeParse(msg.body)
    if (!parsed.success) {
      log('variant.bad_message', { id: msg.id })
      msg.ack()
      continue
    }
    const group = groups.get(parsed.data.imageId) ?? { imageId: parsed.data.imageId, items: [] }
    group.items.push({ body: parsed.data, msg })
    groups.set(parsed.data.imageId, group)
  }
  const all = [...groups.values()]
  // A message delivered before may come from a batch that died on the isolate's
  // CPU or memory limit, perhaps because of another image in it. Then one such
  // image runs alone, after the others were handed back to the queue: a culprit
  // fails by itself (its retries, then the dead-letter queue) and takes no
  // innocent image with it.
  const suspect = all.find((g) => g.items.some(({ msg }) => msg.attempts > 1))
  if (suspect) {
    await requeue(env, all.filter((g) => g !== suspect))
    await processImage(env, suspect.imageId, suspect.items)
    return
  }
  const budget = options.budgetMs ?? BATCH_BUDGET_MS
  const started = Date.now()
  // One image at a time: the memory budget is per isolate, not per image.
  for (const [i, group] of all.entries()) {
    if (Date.now() - started > budget) {
      await requeue(env, all.slice(i))
      return
    }
    await processImage(env, group.imageId, group.items)
  }
}

/**
 * Hands messages back as new ones (no retry counted, so an innocent image never
 * nears the dead-letter queue); if sending fails, an ordinary retry instead.
 */
async function requeue(env: Env, groups: Group[]): Promise<void> {
  const items = groups.flatMap((g) => g.items)
  if (items.length === 0) return
  try {
    await env.VARIANT_QUEUE.sendBatch(items.map(({ body }) => ({ body, contentType: 'json' as const })))
    for (const { msg } of items) msg.ack()
    log('variant.requeued', { images: groups.map((g) => g.imageId) })
  } catch (err) {
    log('variant.requeue_failed', { error: errorText(err) })
    for (const { msg } of items) msg.retry({ delaySeconds: retryDelaySeconds(1) })
  }
}

/** Makes one image's variants; never throws: every message ends acked or retried with backoff. */
async function processImage(env: Env, imageId: string, items: { body: VariantMessage; msg: Msg }[]): Promise<void> {
  const database = db(env.DB)
  // Messages not yet acked: exactly these are retried if something transient fails.
  const open = new Map(items.map(({ body, msg }) => [msg, body.variantId]))
  const ack = (msg: Msg) => {
    msg.ack()
    open.delete(msg)
  }
  let stage = 'Reading the image record'
  try {
    const found = await loadImage(database, imageId)
    if (!found) {
      // Deleted while queued: nothing to make.
      for (const { msg } of items) ack(msg)
      return
    }
    const pending = new Map<string, { variant: VariantRow; msgs: Msg[] }>()
    for (const { body, msg } of items) {
      const variant = found.variants.find((v) => v.id === body.variantId)
      if (!variant || variant.status === 'completed' || variant.status === 'failed') ack(msg)
      else pending.set(variant.name, { variant, msgs: [...(pending.get(variant.name)?.msgs ?? []), msg] })
    }
    if (pending.size === 0) return

    const started = Date.now()
    stage = 'Reading the original'
    const original = await readOriginal(env, found.image)
    if (typeof original === 'string') {
      await failPending(database, imageId, pending, original, ack)
      return
    }

    const boxes = [...pending.keys()].map((name) => presetByName(name)!)
    const maxPixels = readConfig(env).maxPixels
    stage = 'Making the variants'
    for await (const out of renderVariants(original, boxes, { maxPixels, onColourFallback: (reason) => log('colour.fallback', { imageId, reason }) })) {
      const { variant, msgs } = pending.get(out.name)!
      const sha256 = await sha256Hex(out.bytes)
      const ext = extensionFor(out.format)
      const key = fileKey(imageId, out.name, out.width, out.height, sha256, ext)
      stage = 'Storing the variant'
      await env.IMAGES.put(key, out.bytes, { sha256, httpMetadata: { contentType: contentTypeFor(ext), cacheControl: IMMUTABLE }, customMetadata: { sha256, imageId } })
      stage = 'Recording the variant'
      const outcome = await recordVariant(database, imageId, variant.id, { imagePath: key, width: out.width, height: out.height, bytes: out.bytes.byteLength, sha256 })
      // Someone else's result stands (or the image is gone): never leave a second file behind.
      if (outcome.kind === 'gone' || (outcome.kind === 'settled' && outcome.imagePath !== key)) {
        await env.IMAGES.delete(key).catch((err) => log('variant.orphan_left', { imageId, key, error: errorText(err) }))
      }
      for (const msg of msgs) ack(msg)
      pending.delete(out.name)
      log('variant.completed', { imageId, variantId: variant.id, name: out.name, outcome: outcome.kind, width: out.width, height: out.height, bytes: out.bytes.byteLength, ms: Date.now() - started })
      stage = 'Making the variants'
    }
  } catch (err) {
    if (err instanceof ImageDecodeError) {
      // A bad file can only fail again: fail it now instead of retrying.
      try {
        const ids = [...new Set(open.values())]
        await markFailed(database, imageId, ids, err.message)
        for (const msg of [...open.keys()]) ack(msg)
        log('variant.failed', { imageId, reason: err.message })
        return
      } catch (recordErr) {
        err = recordErr
        stage = 'Recording the failure'
      }
    }
    const reason = `${stage} failed: ${errorText(err)}`
    log('variant.retry', { imageId, reason })
    // Best effort: if D1 is what fails, the reason is lost but the retry is not.
    await noteAttemptFailed(database, [...new Set(open.values())], reason).catch(() => {})
    for (const msg of open.keys()) msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) })
  }
}

async function failPending(database: Db, imageId: string, pending: Map<string, { variant: VariantRow; msgs: Msg[] }>, reason: string, ack: (msg: Msg) => void) {
  await markFailed(database, imageId, [...pending.values()].map((p) => p.variant.id), reason)
  for (const { msgs } of pending.values()) for (const msg of msgs) ack(msg)
  log('variant.failed', { imageId, reason })
}

/**
 * The original's bytes after checking them against the SHA-256 taken at
 * upload, or why they can't be used. An original that fails the check is
 * moved to its quarantine key first, so it is never delivered as good; a
 * later delivery of the same message finds it there and gives the same reason.
 */
async function readOriginal(env: Env, image: ImageRow): Promise<Uint8Array | string> {
  const object = await env.IMAGES.get(image.imagePath)
  if (!object) return (await env.IMAGES.head(quarantineKey(image.imagePath))) ? CHECKSUM_MISMATCH : ORIGINAL_MISSING
  const bytes = new Uint8Array(await object.arrayBuffer())
  if ((await sha256Hex(bytes)) === image.sha256) return bytes
  log('original.checksum_mismatch', { imageId: image.id, key: image.imagePath })
  await env.IMAGES.put(quarantineKey(image.imagePath), bytes, { httpMetadata: object.httpMetadata, customMetadata: { ...object.customMetadata, quarantinedAt: new Date().toISOString() } })
  await env.IMAGES.delete(image.imagePath)
  return CHECKSUM_MISMATCH
}

/** Messages that exhausted their retries end here: their variants become `failed` with the last error, never stuck. */
export async function processDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const database = db(env.DB)
  for (const msg of batch.messages) {
    const parsed = VariantMessage.safeParse(msg.body)
    if (!parsed.success) {
      msg.ack()
      continue
    }
    try {
      await markDeadLettered(database, parsed.data.imageId, parsed.data.variantId)
      log('variant.dead_letter', { imageId: parsed.data.imageId, variantId: parsed.data.variantId })
      msg.ack()
    } catch (err) {
      // The DLQ has its own retries; after them the repair cron still fails the variant.
      log('variant.dead_letter_retry', { imageId: parsed.data.imageId, error: errorText(err) })
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) })
    }
  }
}
