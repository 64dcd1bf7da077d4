import { OpenAPIHono, z } from '@hono/zod-openapi'
import { ProblemError } from '../../lib/problem'
import { readUploadForm } from '../../upload/form'
import { sniffImage } from '../../upload/sniff'
import { storeUpload } from '../../upload/store'
import { requireUser } from '../auth'
import type { AppEnv } from '../env'
import { ImageSchema, toMetadata } from '../metadata'
import { ProblemSchema } from '../problem-schema'
import { baseUrl } from '../base-url'

export const upload = new OpenAPIHono<AppEnv>()

// The body is read by hand (size-capped, sniffed) rather than by the zod
// validator, which would buffer any size; the schema below documents it.
upload.openAPIRegistry.registerPath({
  method: 'post',
  path: '/images',
  summary: 'Upload a JPEG or PNG image',
  security: [{ bearer: [] }],
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z.any().openapi({ type: 'string', format: 'binary', description: 'JPEG or PNG, at most 5 MB; the type is read from the bytes.' }),
            fileName: z.string().optional().openapi({ description: 'Display name; defaults to the file part name.' }),
          }),
        },
      },
    },
  },
  responses: {
    202: { description: 'Stored; variants are being made.', content: { 'application/json': { schema: ImageSchema } } },
    400: { description: 'Malformed form', content: { 'application/problem+json': { schema: ProblemSchema } } },
    401: { description: 'Missing or unknown token', content: { 'application/problem+json': { schema: ProblemSchema } } },
    413: { description: 'File over the size limit', content: { 'application/problem+json': { schema: ProblemSchema } } },
    415: { description: 'Not a JPEG or PNG', content: { 'application/problem+json': { schema: ProblemSchema } } },
    422: { description: 'Unreadable header or over the pixel cap', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
})

upload.post('/images', requireUser, async (c) => {
  const config = c.get('config')
  const form = await readUploadForm(c.req.raw, config.maxUploadBytes)
  const sniffed = sniffImage(form.bytes)
  if (!sniffed.ok) {
    throw sniffed.reason === 'unsupported'
      ? new ProblemError(415, 'unsupported-media-type', sniffed.detail)
      : new ProblemError(422, 'unprocessable-image', sniffed.detail)
  }
  const { width, height } = sniffed.header
  if (width * height > config.maxPixels) {
    throw new ProblemError(
      422,
      'unprocessable-image',
      `The image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP); the limit is ${(config.maxPixels / 1e6).toFixed(1)} MP.`,
    )
  }
  const stored = await storeUpload(c.env, c.get('userId'), form.bytes, sniffed.header, form.fileName)
  const body = toMetadata(stored.image, stored.variants, baseUrl(c))
  return c.json(body, 202, { location: `/images/${stored.image.id}` })
})
