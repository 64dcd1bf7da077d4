import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { overPixelCaps } from '../../formats/limits'
import { PngChunkCounter } from '../../formats/png'
import { sniffImage } from '../../formats/sniff'
import { newId } from '../../lib/crypto'
import { ProblemError } from '../../lib/problem'
import { DEFAULT_LIMITS, planDecode } from '../../formats/plan'
import { loadImage, type ImageWithVariants } from '../../store/d1/images'
import { commitUpload } from '../../upload/commit'
import { SNIFF_PREFIX_BYTES, openUploadForm } from '../../upload/form'
import { idempotentUpload } from '../../upload/idempotency'
import { releaseStaged, stageUpload } from '../../upload/stage'
import { requireUser } from '../auth'
import { uploadRateLimit } from '../rate-limit'
import type { AppEnv } from '../env'
import { ImageSchema, toMetadata } from '../metadata'
import { CORS_HEADERS, headers, response } from '../contract'
import { baseUrl } from '../base-url'

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
    400: response('BadRequest'),
    401: response('Unauthorized'),
    409: response('Conflict'),
    413: response('PayloadTooLarge'),
    415: response('UnsupportedMediaType'),
    422: response('UnprocessableContent'),
    429: response('TooManyRequests'),
    500: response('InternalError'),
    503: response('ServiceUnavailable'),
  },
})

/** Declares the form fields for typed clients (`hc<AppType>`) without reading the body. */
const formFields: MiddlewareHandler<AppEnv, '/images', { in: { form: { file: File; fileName?: string } }; out: {} }> = (_c, next) => next()

// Chained so the route's types reach `AppType`.
export const upload = router.post('/images', formFields, requireUser, uploadRateLimit, async (c) => {
  const config = c.get('config')
  const form = await openUploadForm(c.req.raw, config.maxUploadBytes)
  // Decided from the first bytes, before anything is stored.
  const sniffed = sniffImage(form.head)
  if (!sniffed.ok) {
    if (sniffed.reason === 'unsupported') throw await form.refuse(new ProblemError(415, 'unsupported-media-type', sniffed.detail))
    throw await form.refuse(new ProblemError(
      422,
      'unprocessable-image',
      form.complete ? sniffed.detail : `The image header was not found in the first ${SNIFF_PREFIX_BYTES / 1024} KB of the file (${sniffed.detail})`,
    ))
  }
  const overCap = overPixelCaps(sniffed.header)
  if (overCap) throw await form.refuse(new ProblemError(422, 'unprocessable-image', overCap))
  // The decode must fit the processor's memory and CPU per image, judged from the header (docs/memory-plan.md).
  const plan = planDecode(sniffed.header, DEFAULT_LIMITS)
  if (!plan.ok) throw new ProblemError(422, 'unprocessable-image', plan.reason)
  const userId = c.get('userId')
  // A PNG's IDAT chunks are counted as the file streams by; the plan is judged again on the whole count.
  const layout = sniffed.header.layout
  const chunks = layout.kind === 'png' ? new PngChunkCounter() : null
  if (chunks) form.tap((bytes) => chunks.push(bytes))
  const store = c.get('store')
  const staged = await stageUpload(store, newId(), form)
  if (chunks && layout.kind === 'png') {
    const whole = { ...sniffed.header, layout: { ...layout, idatChunks: chunks.idatChunks, idatBytes: chunks.idatBytes } }
    const replanned = planDecode(whole, DEFAULT_LIMITS)
    if (!replanned.ok) {
      await releaseStaged(store, staged)
      throw new ProblemError(422, 'unprocessable-image', replanned.reason)
    }
  }
  const fileName = form.fileName()
  const answer = (found: ImageWithVariants) => ({ body: toMetadata(found, baseUrl(c), 'owner'), location: `/images/${found.image.id}` })
  // With an Idempotency-Key, a retry gets the first answer and stores nothing new.
  const result = await idempotentUpload(
    store,
    { userId, key: c.req.header('idempotency-key'), sha256: staged.sha256, fileName },
    async (claim) => {
      const committed = await commitUpload(store, userId, staged, sniffed.header, fileName, claim)
      return answer({ ...committed, files: [] })
    },
    async (imageId) => {
      const found = await loadImage(store, imageId)
      return found && found.image.userId === userId ? answer(found) : null
    },
  ).finally(() => releaseStaged(store, staged))
  return c.json(result.body, 202, { location: result.location, ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}) })
})
