import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { newId } from '../../lib/crypto'
import { acceptUpload, UPLOAD_REFUSALS } from '../accept-upload'
import { requireUser } from '../auth'
import { uploadRateLimit } from '../rate-limit'
import type { AppEnv } from '../env'
import { ImageSchema } from '../metadata'
import { CORS_HEADERS, headers, response } from '../contract'

const router = new OpenAPIHono<AppEnv>()

// The body is read by hand (size-capped, sniffed) rather than by the zod
// validator, which would buffer any size; the schema below documents it.
router.openAPIRegistry.registerPath({
  method: 'post',
  path: '/images',
  operationId: 'uploadImage',
  summary: 'Upload a JPEG or PNG image',
  security: [{ bearer: [] }],
  request: {
    headers: z.object({
      'Idempotency-Key': z
        .string()
        .min(1)
        .max(255)
        .optional()
        .openapi({ description: 'Makes retries safe: the same key (per user, 24 h) returns the first answer; with a different body it is a 422.' }),
    }),
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          // Documentation only (the handler reads the body itself); `format: binary` makes generated clients take a Blob.
          schema: z.object({
            file: z.string().openapi({ format: 'binary', description: 'JPEG or PNG, at most 5 MB; the type is read from the bytes.' }),
            fileName: z.string().optional().openapi({ description: 'Display name; defaults to the file part name.' }),
            metadata: z.string().optional().openapi({ description: 'Custom metadata: a JSON object, at most 1024 bytes; returned only to the owner.', example: '{"album":"summer"}' }),
            private: z.enum(['true', 'false']).optional().openapi({ description: 'A private image is shown only to its owner and its files only through signed URLs.' }),
          }),
          encoding: { file: { contentType: 'image/jpeg, image/png, application/octet-stream' } },
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Stored; variants are being made. `Location` is the metadata URL to poll (or `/events` under it to watch).',
      headers: headers('Location', 'Idempotent-Replayed', ...CORS_HEADERS),
      content: { 'application/json': { schema: ImageSchema } },
    },
    ...UPLOAD_REFUSALS,
    401: response('Unauthorized'),
    409: response('Conflict'),
  },
})

/** Declares the form fields for typed clients (`hc<AppType>`) without reading the body. */
const formFields: MiddlewareHandler<AppEnv, '/images', { in: { form: { file: File; fileName?: string; metadata?: string; private?: 'true' | 'false' } }; out: {} }> = (_c, next) => next()

// Chained so the route's types reach `AppType`.
export const upload = router.post('/images', formFields, requireUser, uploadRateLimit, async (c) => {
  const result = await acceptUpload(c, { userId: c.get('userId'), imageId: newId(), audience: 'owner', idempotencyKey: c.req.header('idempotency-key') })
  return c.json(result.body, 202, { location: result.location, ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}) })
})
