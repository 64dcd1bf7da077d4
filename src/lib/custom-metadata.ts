/**
 * An owner's custom metadata on an image: a JSON object they attach at upload (a product id, an
 * album, alt text) and get back in their own answers, never in public ones. Capped
 * like Cloudflare Images' (1024 bytes serialized) so a metadata read stays one small row.
 */
import { z } from 'zod'

export const MAX_METADATA_BYTES = 1024
const MAX_KEY_LENGTH = 64

export type CustomMetadata = { [key: string]: z.core.util.JSONType }

export const CustomMetadataSchema = z
  .record(z.string().min(1).max(MAX_KEY_LENGTH), z.json())
  .refine((value) => new TextEncoder().encode(JSON.stringify(value)).byteLength <= MAX_METADATA_BYTES, {
    message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
  })

/** A `metadata` form field (JSON text) as custom metadata, or why not. */
export function parseCustomMetadata(text: string): { ok: true; value: CustomMetadata } | { ok: false; reason: string } {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'metadata: must be a JSON object' }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'metadata: must be a JSON object' }
  const parsed = CustomMetadataSchema.safeParse(raw)
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `metadata${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`).join('; ') }
  return { ok: true, value: parsed.data as CustomMetadata }
}
