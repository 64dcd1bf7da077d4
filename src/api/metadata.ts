import { z } from '@hono/zod-openapi'
import { PRESETS } from '../formats/presets'
import { MIME_TYPES } from '../formats/registry'
import { STATUSES, type ImageRow, type VariantRow } from '../store/d1/images'

export const StatusSchema = z.enum(STATUSES).openapi({ description: 'draft: stored, not yet queued; processing; completed; failed (see `error`).' })

export const VariantSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ example: 'large' }),
    url: z.string().url().nullable().openapi({ description: 'Immutable file URL; null until the variant is made.' }),
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int().nullable(),
    status: StatusSchema,
    error: z.string().nullable(),
  })
  .openapi('Variant')

export const ImageSchema = z
  .object({
    id: z.string().openapi({ example: '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }),
    userId: z.string(),
    status: StatusSchema,
    url: z.string().url().openapi({ description: 'Immutable URL of the original.' }),
    width: z.number().int().openapi({ description: 'Displayed width (EXIF orientation applied).' }),
    height: z.number().int(),
    fileName: z.string().nullable(),
    contentType: z.enum(MIME_TYPES),
    bytes: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    error: z.string().nullable(),
    createdAt: z.string().datetime(),
    variants: z.array(VariantSchema),
  })
  .openapi('Image')

export type ImageMetadata = z.infer<typeof ImageSchema>

const presetOrder = (name: string) => PRESETS.findIndex((p) => p.name === name)

export function toMetadata(image: ImageRow, variants: VariantRow[], baseUrl: string): ImageMetadata {
  const fileUrl = (key: string) => `${baseUrl}/files/${key}`
  return {
    id: image.id,
    userId: image.userId,
    status: image.status,
    url: fileUrl(image.imagePath),
    width: image.width,
    height: image.height,
    fileName: image.fileName,
    contentType: image.contentType as ImageMetadata['contentType'],
    bytes: image.bytes,
    sha256: image.sha256,
    error: image.error,
    createdAt: new Date(image.createdAt).toISOString(),
    variants: [...variants]
      .sort((a, b) => presetOrder(a.name) - presetOrder(b.name))
      .map((v) => ({
        id: v.id,
        name: v.name,
        url: v.status === 'completed' && v.imagePath ? fileUrl(v.imagePath) : null,
        width: v.width,
        height: v.height,
        bytes: v.bytes,
        status: v.status,
        error: v.error,
      })),
  }
}
