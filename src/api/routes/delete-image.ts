import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { and, eq } from 'drizzle-orm'
import { db } from '../../db/client'
import { idempotencyKeys, imageVariants, images } from '../../db/schema'
import { ProblemError } from '../../lib/problem'
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

/** Deletes every object under `${imageId}/` (original and variants, including ones a consumer is writing now); returns their keys. */
async function deleteObjects(bucket: R2Bucket, imageId: string): Promise<string[]> {
  const deleted: string[] = []
  let cursor: string | undefined
  do {
    const listed = await bucket.list({ prefix: `${imageId}/`, cursor })
    const keys = listed.objects.map((o) => o.key)
    if (keys.length > 0) await bucket.delete(keys)
    deleted.push(...keys)
    cursor = listed.truncated ? listed.cursor : undefined
  } while (cursor)
  return deleted
}

// Chained so the route's types reach `AppType`.
export const deleteImage = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const database = db(c.env.DB)
  const owned = await database
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.id, id), eq(images.userId, c.get('userId'))))
    .get()
  if (!owned) throw new ProblemError(404, 'not-found', `No image with id ${id}.`)

  // Objects, then rows, then objects again: a variant a consumer stores after
  // the first sweep is caught by the second, or, once the rows are gone, the
  // consumer removes it itself (its row update finds nothing).
  const keys: string[] = []
  try {
    keys.push(...(await deleteObjects(c.env.IMAGES, id)))
    await database.batch([
      database.delete(imageVariants).where(eq(imageVariants.originalImageId, id)),
      database.delete(images).where(eq(images.id, id)),
      // A retry of the upload that made this image must not replay an answer naming a deleted image.
      database.delete(idempotencyKeys).where(eq(idempotencyKeys.imageId, id)),
    ])
    keys.push(...(await deleteObjects(c.env.IMAGES, id)))
  } catch (err) {
    console.error(JSON.stringify({ event: 'image.delete_failed', imageId: id, error: String(err) }))
    throw new ProblemError(503, 'unavailable', 'The image could not be deleted completely. Please retry.', { 'retry-after': '5' })
  }
  await purgeEdgeCache(keys, [baseUrl(c), new URL(c.req.url).origin])
  console.log(JSON.stringify({ event: 'image.deleted', imageId: id, objects: keys.length }))
  return c.body(null, 204)
})

/**
 * Best effort: the Cache API is per data centre, so this only clears the
 * local copy; elsewhere a deleted file may be served until its cache entry
 * is evicted (purge by URL through the Cloudflare API for that).
 */
async function purgeEdgeCache(keys: string[], origins: string[]) {
  const urls = new Set(keys.flatMap((key) => origins.map((o) => `${o}/files/${key}`)))
  await Promise.all(
    [...urls].map((url) => caches.default.delete(new Request(url, { method: 'GET' })).catch(() => false)),
  )
}
