import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { db } from '../../db/client'
import { ProblemError } from '../../lib/problem'
import { baseUrl } from '../base-url'
import type { AppEnv } from '../env'
import { ImageSchema, loadImage, toMetadata } from '../metadata'
import { ProblemSchema } from '../problem-schema'

const route = createRoute({
  method: 'get',
  path: '/images/{id}',
  summary: "An image's metadata, status and file URLs",
  description: 'Public by unguessable id, like the file URLs it returns.',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: 'The image', content: { 'application/json': { schema: ImageSchema } } },
    404: { description: 'No such image', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
})

// Chained so the route's types reach `AppType`.
export const getImage = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const found = await loadImage(db(c.env.DB), id)
  if (!found) throw new ProblemError(404, 'not-found', `No image with id ${id}.`)
  // Status changes while variants are made: never cache.
  return c.json(toMetadata(found.image, found.variants, baseUrl(c)), 200, { 'cache-control': 'no-store' })
})
