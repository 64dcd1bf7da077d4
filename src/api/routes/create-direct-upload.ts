import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { CustomMetadataSchema } from '../../lib/custom-metadata'
import { newId, randomSecret } from '../../lib/crypto'
import { tokenHash } from '../../lib/token'
import { insertDirectUpload } from '../../store/d1/direct-uploads'
import { requireUser } from '../auth'
import { baseUrl } from '../base-url'
import { CORS_HEADERS, headers, response } from '../contract'
import type { AppEnv } from '../env'

/** Bounds of a direct-upload URL's life, in seconds: long enough for a slow phone, short enough to be one session's. */
export const DIRECT_UPLOAD_TTL = { min: 120, max: 6 * 3600, default: 30 * 60 } as const

const DirectUploadRequest = z
  .object({
    expiresIn: z
      .number()
      .int()
      .min(DIRECT_UPLOAD_TTL.min)
      .max(DIRECT_UPLOAD_TTL.max)
      .default(DIRECT_UPLOAD_TTL.default)
      .openapi({ description: `Seconds the URL works, ${DIRECT_UPLOAD_TTL.min} to ${DIRECT_UPLOAD_TTL.max} (default ${DIRECT_UPLOAD_TTL.default}).` }),
    metadata: CustomMetadataSchema.optional().openapi({ type: 'object', description: 'Custom metadata for the image: a JSON object, at most 1024 bytes; owner-only.' }),
    private: z.boolean().default(false).openapi({ description: 'Make the image private (files only through signed URLs).' }),
  })
  .strict()
  .openapi('DirectUploadRequest')

const DirectUploadSchema = z
  .object({
    id: z.string().openapi({ description: 'The id the image will have; until the upload, `GET /images/{id}` shows its owner a `draft`.' }),
    uploadURL: z.string().url().openapi({ description: 'Takes one multipart POST with a `file` (and optionally `fileName`), from any page of an allowed origin, without a token. Keep it secret: whoever has it may upload.' }),
    expiresAt: z.string().datetime(),
  })
  .openapi('DirectUpload')

const route = createRoute({
  method: 'post',
  path: '/images/direct-uploads',
  operationId: 'createDirectUpload',
  summary: 'A one-time upload URL for a browser without a token',
  description: 'The pattern of direct creator uploads: your server asks for a URL with its token and hands it to the browser, which uploads the file itself. The upload gets the same checks as `POST /images`.',
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { body: { required: false, content: { 'application/json': { schema: DirectUploadRequest } } } },
  responses: {
    201: { description: 'The URL', headers: headers('Cache-Control', ...CORS_HEADERS), content: { 'application/json': { schema: DirectUploadSchema } } },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    415: response('UnsupportedMediaType'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const createDirectUpload = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  // No body at all means every default.
  const body = c.req.header('content-type') ? c.req.valid('json') : DirectUploadRequest.parse({})
  const id = newId()
  const secret = randomSecret()
  const now = Date.now()
  const expiresAt = now + body.expiresIn * 1000
  await insertDirectUpload(c.get('store'), {
    id,
    userId: c.get('userId'),
    tokenHash: await tokenHash(secret),
    private: body.private,
    metadata: body.metadata ?? null,
    createdAt: now,
    expiresAt,
    claimedAt: null,
    usedAt: null,
  })
  const uploadURL = `${baseUrl(c)}/direct-uploads/${id}?token=${secret}`
  return c.json({ id, uploadURL, expiresAt: new Date(expiresAt).toISOString() }, 201, { 'cache-control': 'no-store' })
})
