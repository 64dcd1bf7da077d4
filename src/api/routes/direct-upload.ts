import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { ProblemError } from '../../lib/problem'
import { tokenHash } from '../../lib/token'
import { claimDirectUpload, readDirectUpload, releaseDirectUpload, type DirectUploadRow } from '../../store/d1/direct-uploads'
import { acceptUpload, UPLOAD_REFUSALS } from '../accept-upload'
import { CORS_HEADERS, headers, response } from '../contract'
import type { AppEnv } from '../env'
import { ImageSchema } from '../metadata'
import { checkUploadRate } from '../rate-limit'

const router = new OpenAPIHono<AppEnv>()

// The body is read by hand, as for POST /images; the schema below documents it.
router.openAPIRegistry.registerPath({
  method: 'post',
  path: '/direct-uploads/{id}',
  operationId: 'useDirectUpload',
  summary: 'Upload through a one-time URL (no token)',
  description: 'The `uploadURL` of `POST /images/direct-uploads`, as given (its `token` is the credential). Same checks as `POST /images`. One image per URL: a refused file (wrong type, too large) leaves the URL usable.',
  security: [],
  request: {
    params: z.object({ id: z.string().openapi({ example: '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }) }),
    query: z.object({ token: z.string().openapi({ description: 'The secret part of the upload URL.' }) }),
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z.string().openapi({ format: 'binary', description: 'JPEG or PNG, at most 5 MB.' }),
            fileName: z.string().optional(),
          }),
          encoding: { file: { contentType: 'image/jpeg, image/png, application/octet-stream' } },
        },
      },
    },
  },
  responses: {
    202: {
      description: 'Stored; variants are being made. The answer is the public view of the image (the uploader is not its owner); a private image\'s URLs are signed.',
      headers: headers('Location', ...CORS_HEADERS),
      content: { 'application/json': { schema: ImageSchema } },
    },
    ...UPLOAD_REFUSALS,
    404: response('NotFound'),
    409: response('Conflict'),
    410: response('Gone'),
  },
})

const formFields: MiddlewareHandler<AppEnv, '/direct-uploads/:id', { in: { form: { file: File; fileName?: string }; query: { token: string } }; out: {} }> = (_c, next) => next()

const noSuchUrl = () => new ProblemError(404, 'not-found', 'No such upload URL.')

/** Why a URL that could not be claimed cannot be used now. */
function spent(row: DirectUploadRow | null, now: number): ProblemError {
  if (!row) return noSuchUrl()
  if (row.usedAt !== null) return new ProblemError(410, 'upload-url-used', 'This upload URL was already used; ask for a new one.')
  if (row.expiresAt <= now) return new ProblemError(410, 'upload-url-expired', `This upload URL expired at ${new Date(row.expiresAt).toISOString()}; ask for a new one.`)
  return new ProblemError(409, 'upload-url-in-use', 'Another upload through this URL is still running.', { 'retry-after': '5' })
}

// Chained so the route's types reach `AppType`.
export const directUpload = router.post('/direct-uploads/:id', formFields, async (c) => {
  const id = c.req.param('id')
  const token = c.req.query('token') ?? ''
  const store = c.get('store')
  const row = id.length <= 64 && token.length <= 100 ? await readDirectUpload(store, id) : null
  // A wrong token is the same answer as no such URL: neither confirms the id.
  if (!row || row.tokenHash !== (await tokenHash(token))) throw noSuchUrl()
  const now = Date.now()
  if (row.usedAt !== null || row.expiresAt <= now) throw spent(row, now)
  await checkUploadRate(c, row.userId)
  if (!(await claimDirectUpload(store, id, now))) throw spent(await readDirectUpload(store, id), Date.now())
  try {
    const result = await acceptUpload(c, {
      userId: row.userId,
      imageId: id,
      fixed: { private: row.private, metadata: row.metadata ?? null },
      audience: 'public',
      directUpload: { id, claimedAt: now },
    })
    return c.json(result.body, 202, { location: result.location })
  } catch (err) {
    // Nothing was stored (or, if the image's rows did land, the claim is already spent and this does nothing).
    await releaseDirectUpload(store, id, now).catch(() => {})
    throw err
  }
})
