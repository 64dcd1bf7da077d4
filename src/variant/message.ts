import { z } from 'zod'
import { PRESET_NAMES } from './presets'

/** One queue message per variant to make. Small on purpose: the consumer reads the rest from D1. */
export const VariantMessage = z.object({
  imageId: z.string().min(1),
  variantId: z.string().min(1),
  preset: z.enum(PRESET_NAMES),
})
export type VariantMessage = z.infer<typeof VariantMessage>
