import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { fromBase64url, toBase64url } from '../../lib/crypto'
import { ProblemError } from '../../lib/problem'
import { listImages as listPage, type PageCursor } from '../../store/d1/images'
import { requireUser } from '../auth'
import type { AppEnv } from '../env'
import { describeImage } from '../describe'
import { ImageSchema } from '../metadata'
import { CORS_HEADERS, headers, response } from '../contract'

export const DEFAULT_PAGE = 20
export const MAX_PAGE = 100

const CursorJson = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(64)])

/** Opaque to clients: base64url of `[createdAt, id]`. */
export function encodeCursor(c: PageCursor): string {
  return toBase64url(JSON.stringify([c.createdAt, c.id]))
}

export function decodeCursor(raw: string): PageCursor | null {
  const text = fromBase64url(raw)
  if (text === null) return null
  try {
    const parsed = CursorJson.safeParse(JSON.parse(text))
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

  const page = await listPage(c.get('store'), c.get('userId'), limit, after)
  const last = page.items.at(-1)?.image
  const nextCursor = page.more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null
  const items = await Promise.all(page.items.map((item) => describeImage(c, item, 'owner')))
  return c.json({ items, nextCursor }, 200, { 'cache-control': 'private, no-store' })
})
