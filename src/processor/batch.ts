/**
 * Queue consumer: one message per variant. Messages are grouped by image so each original is
 * fetched, checked and decoded once per batch, and images run one at a time (the memory budget is
 * per isolate, not per image). Every message ends acked or retried on its own.
 */
import { errorText, log } from '../lib/log'
import { openStore, type Store } from '../store'
import { markDeadLettered } from '../store/d1/variants'
import { sendMessages, VariantMessage } from '../store/queue'
import { makeVariants, retryDelaySeconds, type Delivery } from './job'

/**
 * Wall-clock time after which a batch starts no further image (wall time bounds CPU time). Every
 * accepted image's own worst case is bounded at upload (docs/memory-plan.md), so budget plus one
 * image stays under `limits.cpu_ms` (wrangler.processor.toml): a long batch is cut short, never killed.
 */
export const BATCH_BUDGET_MS = 20_000

type Group = { imageId: string; items: Delivery[] }

export async function processVariantBatch(batch: MessageBatch<unknown>, env: ProcessorEnv, options: { budgetMs?: number } = {}): Promise<void> {
  const store = openStore(env)
  const groups = groupByImage(batch.messages)
  // A message delivered before may come from a batch that died on the isolate's CPU or memory
  // limit, perhaps because of another image in it. Then that image runs alone, after the others
  // were handed back to the queue: a culprit fails by itself and takes no innocent image with it.
  const suspect = groups.find((g) => g.items.some(({ msg }) => msg.attempts > 1))
  if (suspect) {
    await requeue(store, groups.filter((g) => g !== suspect))
    return makeVariants(store, suspect.imageId, suspect.items)
  }
  const budget = options.budgetMs ?? BATCH_BUDGET_MS
  const started = Date.now()
  try {
    for (const [i, group] of groups.entries()) {
      if (Date.now() - started > budget) return await requeue(store, groups.slice(i))
      await makeVariants(store, group.imageId, group.items)
    }
  } finally {
    // The batch's D1 cost, for the write budget (docs/capacity.md).
    log.info('variant.batch', { images: groups.length, messages: batch.messages.length, d1: store.usage, ms: Date.now() - started })
  }
}

/** Valid messages by image, in arrival order; malformed ones are acked (they can only fail again). */
function groupByImage(messages: readonly Message<unknown>[]): Group[] {
  const groups = new Map<string, Group>()
  for (const msg of messages) {
    const parsed = VariantMessage.safeParse(msg.body)
    if (!parsed.success) {
      log.warn('variant.bad_message', { id: msg.id })
      msg.ack()
      continue
    }
    const group = groups.get(parsed.data.imageId) ?? { imageId: parsed.data.imageId, items: [] }
    group.items.push({ body: parsed.data, msg })
    groups.set(parsed.data.imageId, group)
  }
  return [...groups.values()]
}

/**
 * Hands messages back as new ones (no retry counted, so an innocent image never nears the
 * dead-letter queue); if sending fails, an ordinary retry instead.
 */
async function requeue(store: Store, groups: Group[]): Promise<void> {
  const items = groups.flatMap((g) => g.items)
  if (items.length === 0) return
  try {
    await sendMessages(store, items.map(({ body }) => body))
    for (const { msg } of items) msg.ack()
    log.info('variant.requeued', { images: groups.map((g) => g.imageId) })
  } catch (err) {
    log.warn('variant.requeue_failed', { error: errorText(err) })
    for (const { msg } of items) msg.retry({ delaySeconds: retryDelaySeconds(1) })
  }
}

/** Messages that exhausted their retries end here: their variants become `failed` with the last error, never stuck. */
export async function processDeadLetters(batch: MessageBatch<unknown>, env: ProcessorEnv): Promise<void> {
  const store = openStore(env)
  for (const msg of batch.messages) {
    const parsed = VariantMessage.safeParse(msg.body)
    if (!parsed.success) {
      msg.ack()
      continue
    }
    const { imageId, variantId } = parsed.data
    try {
      await markDeadLettered(store, imageId, variantId)
      log.warn('variant.dead_letter', { imageId, variantId })
      msg.ack()
    } catch (err) {
      // The DLQ has its own retries; after them the repair cron still fails the variant.
      log.warn('variant.dead_letter_retry', { imageId, error: errorText(err) })
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) })
    }
  }
}
