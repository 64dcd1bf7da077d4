import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { ProblemError } from '../../lib/problem'
import { loadImage } from '../../store/d1/images'
import { baseUrl } from '../base-url'
import type { AppEnv } from '../env'
import { ImageSchema, toMetadata } from '../metadata'
import { CORS_HEADERS, headers, response } from '../contract'

const route = createRoute({
  method: 'get',
  path: '/images/{id}',
  operationId: 'getImage',
  summary: "An image's metadata, status and file URLs",
  description: 'Public by unguessable id, like the file URLs it returns.',
  security: [],
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The image', headers: headers('Cache-Control', ...CORS_HEADERS), content: { 'application/json': { schema: ImageSchema } } },
    400: response('BadRequest'),
    404: response('NotFound'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const getImage = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const found = await loadImage(c.get('store'), id)
  if (!found) throw new ProblemError(404, 'not-found', `No image with id ${id}.`)
  // Status changes while variants are made: never cache.
  return c.json(toMetadata(found, baseUrl(c), 'public'), 200, { 'cache-control': 'no-store' })
})
