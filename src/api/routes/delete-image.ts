import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { purgeCachedFiles } from '../../delivery/edge-cache'
import { log } from '../../lib/log'
import { ProblemError } from '../../lib/problem'
import { deleteImageRows, isOwner } from '../../store/d1/images'
import { deleteImageFiles } from '../../store/files'
import { requireUser } from '../auth'
import { baseUrl } from '../base-url'
import type { AppEnv } from '../env'
import { CORS_HEADERS, headers, response } from '../contract'

const route = createRoute({
  method: 'delete',
  path: '/images/{id}',
  operationId: 'deleteImage',
  summary: 'Delete an image, its variants and all their files (owner only)',
  description: "Someone else's image answers 404 like an unknown id, so ids are never confirmed.",
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    204: { description: 'Deleted', headers: headers(...CORS_HEADERS) },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    500: response('InternalError'),
    503: response('ServiceUnavailable'),
  },
})

// Chained so the route's types reach `AppType`.
export const deleteImage = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const store = c.get('store')
  if (!(await isOwner(store, id, c.get('userId')))) throw new ProblemError(404, 'not-found', `No image with id ${id}.`)

  // Objects, then rows, then objects again: a variant a consumer stores after
  // the first sweep is caught by the second, or, once the rows are gone, the
  // consumer removes it itself (its row update finds nothing).
  const keys: string[] = []
  try {
    keys.push(...(await deleteImageFiles(store, id)))
    await deleteImageRows(store, id)
    keys.push(...(await deleteImageFiles(store, id)))
  } catch (err) {
    log.error('image.delete_failed', { imageId: id, error: String(err) })
    throw new ProblemError(503, 'unavailable', 'The image could not be deleted completely. Please retry.', { 'retry-after': '5' })
  }
  await purgeCachedFiles(keys, [baseUrl(c), new URL(c.req.url).origin], id)
  log.info('image.deleted', { imageId: id, objects: keys.length })
  return c.body(null, 204)
})
