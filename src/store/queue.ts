/** The variant queue: one small message per variant to make; the consumer reads the rest from D1. */
// zod/mini: the processor bundle gets the validator without the whole of zod (~0.8 MB of source).
import * as z from 'zod/mini'
import { PRESET_NAMES } from '../formats/presets'
import type { Store } from '.'

export const VariantMessage = z.object({
  imageId: z.string().check(z.minLength(1)),
  variantId: z.string().check(z.minLength(1)),
  preset: z.enum(PRESET_NAMES),
})
export type VariantMessage = z.infer<typeof VariantMessage>

/** Where messages go after their last retry (wrangler.processor.toml). */
export const DEAD_LETTER_QUEUE = 'image-variants-dlq'

export async function enqueueVariants(store: Store, imageId: string, variants: { id: string; name: string }[]): Promise<void> {
  if (variants.length === 0) return
  await sendMessages(store, variants.map((v) => ({ imageId, variantId: v.id, preset: v.name as VariantMessage['preset'] })))
}

/** Sends messages as new ones (a requeue counts no retry). */
export async function sendMessages(store: Store, messages: VariantMessage[]): Promise<void> {
  if (messages.length === 0) return
  await store.queue.sendBatch(messages.map((body) => ({ body, contentType: 'json' as const })))
}

/** One webhook delivery: an event to one endpoint (the consumer reads both from D1 and signs then). */
export const WebhookMessage = z.object({
  eventId: z.string().check(z.minLength(1)),
  endpointId: z.string().check(z.minLength(1)),
})
export type WebhookMessage = z.infer<typeof WebhookMessage>

/** Where webhook deliveries go after their last retry (wrangler.toml). */
export const WEBHOOK_DEAD_LETTER_QUEUE = 'image-webhooks-dlq'

export async function sendWebhookMessages(store: Store, messages: WebhookMessage[]): Promise<void> {
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < messages.length; i += 100) {
    await store.webhookQueue.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })))
  }
}
