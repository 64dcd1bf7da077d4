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
