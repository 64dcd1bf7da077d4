import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { ProblemError } from '../../lib/problem'
import { readDirectUpload } from '../../store/d1/direct-uploads'
import { loadImage } from '../../store/d1/images'
import { optionalUser } from '../auth'
import { describeImage } from '../describe'
import type { AppEnv } from '../env'
import { DraftSchema, ImageSchema, toDraft } from '../metadata'
import { CORS_HEADERS, headers, response } from '../contract'

const route = createRoute({
  method: 'get',
  path: '/images/{id}',
  operationId: 'getImage',
  summary: "An image's metadata, status and file URLs",
  description: [
    'Public by unguessable id, like the file URLs it returns; with the owner\'s token, also the owner-only fields.',
    'A private image, and a direct upload not yet used (`status: draft`), answer only their owner (anyone else gets 404).',
  ].join(' '),
  // Optional: anonymous (`{}`) or the owner's token.
  security: [{ bearer: [] }, {} as Record<string, string[]>],
  middleware: [optionalUser] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: 'The image (or, to its owner, the draft of a direct upload)',
      headers: headers('Cache-Control', ...CORS_HEADERS),
      content: { 'application/json': { schema: z.union([ImageSchema, DraftSchema]) } },
    },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const getImage = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const store = c.get('store')
  const viewer = c.get('userId') as string | undefined
  const notFound = () => new ProblemError(404, 'not-found', `No image with id ${id}.`)
  // Status changes while variants are made: never cache.
  const noStore = { 'cache-control': 'no-store' }
  const found = await loadImage(store, id)
  if (found) {
    const owner = viewer === found.image.userId
    if (found.image.private && !owner) throw notFound()
    return c.json(await describeImage(c, found, owner ? 'owner' : 'public'), 200, noStore)
  }
  const draft = viewer ? await readDirectUpload(store, id) : null
  if (!draft || draft.userId !== viewer || draft.usedAt !== null || draft.expiresAt <= Date.now()) throw notFound()
  return c.json(toDraft(draft), 200, noStore)
})
