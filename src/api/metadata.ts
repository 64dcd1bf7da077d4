import { z } from '@hono/zod-openapi'
import { PRESETS } from '../formats/presets'
import { FORMAT_NAMES, FORMATS, MIME_TYPES, UPLOAD_MIME_TYPES, type FormatName } from '../formats/registry'
import type { DirectUploadRow } from '../store/d1/direct-uploads'
import { STATUSES, type ImageWithVariants } from '../store/d1/images'

/** Custom metadata as answers document it (validated on the way in by lib/custom-metadata.ts). */
const CustomMetadataField = z.record(z.string(), z.unknown()).nullable()

export const StatusSchema = z.enum(STATUSES).openapi({ description: 'draft: stored, not yet queued; processing; completed; failed (see `error`).' })

export const VariantFileSchema = z
  .object({
    format: z.enum(FORMAT_NAMES),
    contentType: z.enum(MIME_TYPES),
    url: z.string().url().openapi({ description: 'Immutable URL of this format.' }),
    bytes: z.number().int(),
  })
  .openapi('VariantFile')

export const VariantSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ example: 'large' }),
    url: z.string().url().nullable().openapi({ description: "Immutable URL of the fallback file (the original's format, which every browser shows); null until the variant is made." }),
    bestUrl: z.string().url().nullable().openapi({ description: 'Serves the smallest format the browser accepts (`Accept`: AVIF > WebP > the fallback), with `Vary: Accept`; null until the variant is made.' }),
    files: z.array(VariantFileSchema).openapi({ description: 'Every format of the made variant, preferred first; empty until it is made.' }),
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
    userId: z.string().optional().openapi({ description: 'Owner-only: in answers to the owner (upload, list), never in public reads.' }),
    status: StatusSchema,
    url: z.string().url().openapi({ description: 'Immutable URL of the original.' }),
    width: z.number().int().openapi({ description: 'Displayed width (EXIF orientation applied).' }),
    height: z.number().int(),
    fileName: z.string().nullable().optional().openapi({ description: 'Owner-only, like `userId`: the name the file was uploaded with.' }),
    private: z.boolean().openapi({ description: 'A private image is shown only to its owner, and its file URLs are signed (`exp`, `sig`): they stop working at `urlsExpireAt`; read the metadata again for fresh ones.' }),
    urlsExpireAt: z.string().datetime().nullable().openapi({ description: 'When the signed URLs of a private image expire; null for a public image (its URLs never expire).' }),
    metadata: CustomMetadataField.optional().openapi({ description: 'Owner-only: the custom metadata given at upload (a JSON object, at most 1024 bytes).' }),
    contentType: z.enum(UPLOAD_MIME_TYPES),
    bytes: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    error: z.string().nullable(),
    createdAt: z.string().datetime(),
    variants: z.array(VariantSchema),
    picture: z.string().nullable().openapi({
      description: 'A ready `<picture>` element: a `<source>` per modern format and an `<img>` with the fallback, each with a `srcset` of the made variants (`w` descriptors); add your own `alt` and `sizes`. Null until a variant is made.',
    }),
  })
  .openapi('Image')

export type ImageMetadata = z.infer<typeof ImageSchema>

export const DraftSchema = z
  .object({
    id: z.string().openapi({ description: 'The id the image will have.' }),
    status: z.literal('draft'),
    private: z.boolean(),
    metadata: CustomMetadataField,
    createdAt: z.string().datetime(),
    expiresAt: z.string().datetime().openapi({ description: 'When the upload URL stops working.' }),
  })
  .openapi('Draft', { description: 'A direct upload not yet used, as its owner sees it.' })

export type DraftMetadata = z.infer<typeof DraftSchema>

export const toDraft = (row: DirectUploadRow): DraftMetadata => ({
  id: row.id,
  status: 'draft',
  private: row.private,
  metadata: row.metadata ?? null,
  createdAt: new Date(row.createdAt).toISOString(),
  expiresAt: new Date(row.expiresAt).toISOString(),
})

const presetOrder = (name: string) => PRESETS.findIndex((p) => p.name === name)
const formatOrder = (name: string) => FORMATS[name as FormatName]?.preference ?? 99
const attr = (v: string | number) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

export type Audience = 'owner' | 'public'

/** How a path of this service becomes a URL: the base in front and, for a private image, a signature behind. */
export interface Links {
  url(path: string): string
  /** When the URLs stop working (signed ones); null if never. */
  expiresAt: number | null
}

/**
 * The metadata of an image. `audience: 'public'` (reads by id, which anyone holding the id may do)
 * leaves out what only the owner should see: who owns it (which would link their images), the
 * uploaded file name and the custom metadata.
 */
export function toMetadata({ image, variants, files }: ImageWithVariants, links: Links, audience: Audience): ImageMetadata {
  const fileUrl = (key: string) => links.url(`/files/${key}`)
  const filesOf = Map.groupBy(files, (f) => f.variantId)
  const shown = [...variants]
    .sort((a, b) => presetOrder(a.name) - presetOrder(b.name))
    .map((v) => {
      const made = v.status === 'completed' && v.imagePath !== null
      return {
        id: v.id,
        name: v.name,
        url: made ? fileUrl(v.imagePath!) : null,
        bestUrl: made ? links.url(`/images/${image.id}/variants/${v.name}`) : null,
        files: made
          ? (filesOf.get(v.id) ?? [])
              .sort((a, b) => formatOrder(a.format) - formatOrder(b.format))
              .map((f) => ({ format: f.format as FormatName, contentType: FORMATS[f.format as FormatName].mimeType, url: fileUrl(f.imagePath), bytes: f.bytes }))
          : [],
        width: v.width,
        height: v.height,
        bytes: v.bytes,
        status: v.status,
        error: v.error,
      }
    })
  return {
    id: image.id,
    ...(audience === 'owner' ? { userId: image.userId, fileName: image.fileName, metadata: image.metadata ?? null } : {}),
    status: image.status,
    private: image.private,
    urlsExpireAt: links.expiresAt === null ? null : new Date(links.expiresAt).toISOString(),
    url: fileUrl(image.imagePath),
    width: image.width,
    height: image.height,
    contentType: image.contentType as ImageMetadata['contentType'],
    bytes: image.bytes,
    sha256: image.sha256,
    error: image.error,
    createdAt: new Date(image.createdAt).toISOString(),
    variants: shown,
    picture: picture(shown, image.width, image.height),
  }
}

/** `<picture>` over the made variants: one `<source>` per format preferred over the fallback, then the `<img>`. */
function picture(variants: ImageMetadata['variants'], width: number, height: number): string | null {
  const made = variants.filter((v) => v.url !== null)
  if (made.length === 0) return null
  const srcset = (format: string) =>
    made
      .map((v) => ({ v, f: v.files.find((f) => f.format === format) }))
      .filter((x) => x.f)
      .map(({ v, f }) => `${f!.url} ${v.width}w`)
      .join(', ')
  const largest = made[0]!
  const fallback = largest.files.at(-1)?.format
  const modern = [...new Set(made.flatMap((v) => v.files.map((f) => f.format)))].filter((f) => f !== fallback)
  const sources = modern.map((f) => `<source type="${FORMATS[f].mimeType}" srcset="${attr(srcset(f))}">`)
  const fallbackSet = fallback ? srcset(fallback) : made.map((v) => `${v.url} ${v.width}w`).join(', ')
  const img = `<img src="${attr(largest.url!)}" srcset="${attr(fallbackSet)}" sizes="(max-width: ${largest.width}px) 100vw, ${largest.width}px" width="${width}" height="${height}" alt="" loading="lazy" decoding="async">`
  return `<picture>${sources.join('')}${img}</picture>`
}
