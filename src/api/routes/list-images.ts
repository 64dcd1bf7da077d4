import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm'
import { db } from '../../db/client'
import { imageVariants, images, type VariantRow } from '../../db/schema'
import { ProblemError } from '../../lib/problem'
import { requireUser } from '../auth'
import { baseUrl } from '../base-url'
import type { AppEnv } from '../env'
import { ImageSchema, toMetadata } from '../metadata'
import { CORS_HEADERS, headers, response } from '../contract'

export const DEFAULT_PAGE = 20
export const MAX_PAGE = 100

/** Where a page ends: the last image's (createdAt, id), the sort key. */
export interface PageCursor {
  createdAt: number
  id: string
}

const CursorJson = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(64)])

/** Opaque to clients: base64url of `[createdAt, id]`. */
export function encodeCursor(c: PageCursor): string {
  return btoa(JSON.stringify([c.createdAt, c.id])).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function decodeCursor(raw: string): PageCursor | null {
  try {
    const parsed = CursorJson.safeParse(JSON.parse(atob(raw.replace(/-/g, '+').replace(/_/g, '/'))))
    return parsed.success ? { createdAt: parsed.data[0], id: parsed.data[1] } : null
  } catch {
    return null
  }
}

const route = createRoute({
  method: 'get',
  path: '/images',
  operationId: 'listImages',
  summary: "The caller's own images, newest first",
  description: 'Keyset-paginated: pass `nextCursor` back as `cursor` for the next page; `nextCursor` is null on the last page.',
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE).openapi({ description: `Page size, 1..${MAX_PAGE}` }),
      cursor: z.string().max(200).optional().openapi({ description: 'From the previous page\'s `nextCursor`' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of images',
      headers: headers('Cache-Control', ...CORS_HEADERS),
      content: { 'application/json': { schema: z.object({ items: z.array(ImageSchema), nextCursor: z.string().nullable() }).openapi('ImagePage') } },
    },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const listImages = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { limit, cursor } = c.req.valid('query')
  const after = cursor === undefined ? null : decodeCursor(cursor)
  if (cursor !== undefined && !after) throw new ProblemError(400, 'bad-request', 'The cursor is not one this API returned.')

  const conditions: SQL[] = [eq(images.userId, c.get('userId'))]
  // Strictly after the cursor in (createdAt desc, id desc) order: ties on createdAt are split by id.
  if (after) conditions.push(or(lt(images.createdAt, after.createdAt), and(eq(images.createdAt, after.createdAt), lt(images.id, after.id)))!)
  const database = db(c.env.DB)
  // One more than asked tells whether a next page exists. The variants come
  // from the same page (as a subquery), in the same round trip.
  const page = database
    .select()
    .from(images)
    .where(and(...conditions))
    .orderBy(desc(images.createdAt), desc(images.id))
    .limit(limit + 1)
  const pageIds = database
    .select({ id: images.id })
    .from(images)
    .where(and(...conditions))
    .orderBy(desc(images.createdAt), desc(images.id))
    .limit(limit + 1)
  const [rows, variants] = await database.batch([page, database.select().from(imageVariants).where(inArray(imageVariants.originalImageId, pageIds))])

  const items = rows.slice(0, limit)
  const byImage = new Map<string, VariantRow[]>()
  for (const v of variants) byImage.set(v.originalImageId, [...(byImage.get(v.originalImageId) ?? []), v])
  const base = baseUrl(c)
  const last = items.at(-1)
  const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null
  return c.json({ items: items.map((image) => toMetadata(image, byImage.get(image.id) ?? [], base)), nextCursor }, 200, { 'cache-control': 'private, no-store' })
})
