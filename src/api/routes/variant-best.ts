import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { acceptClass, chooseFile, decisionUrl, MODERN_FORMATS } from '../../delivery/negotiate'
import { formatByMimeType, MIME_TYPES, type FormatName } from '../../formats/registry'
import { PRESET_NAMES } from '../../formats/presets'
import { loadImage } from '../../store/d1/images'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { checkAccess, fileNotFound, fileResponse, forbidden } from '../file-response'
import { signedPath } from '../../lib/signature'

/**
 * A variant in the best format the browser accepts (`bestUrl` in metadata): AVIF > WebP > the
 * fallback, from `Accept`. The bytes are those of the immutable per-format file. Caches on the
 * way key the answer by URL and, per `Vary: Accept`, by the request's Accept; at the edge the Worker
 * runs before any cache, negotiates itself and remembers its choice per variant and accept class in
 * the Cache API, so a repeat costs no D1 read (docs/api.md, "Formats and negotiation").
 */
export const variantBest = new OpenAPIHono<AppEnv>()

const request = {
  params: z.object({
    id: z.string().openapi({ example: '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }),
    name: z.enum(PRESET_NAMES).openapi({ example: 'large' }),
  }),
  headers: z.object({ Accept: z.string().optional().openapi({ description: 'e.g. `image/avif,image/webp,*/*`: named modern formats are preferred.' }) }),
  query: z.object({
    exp: z.string().optional().openapi({ description: "A private image's signed URL: its expiry (Unix seconds)." }),
    sig: z.string().optional().openapi({ description: "A private image's signed URL: the signature." }),
  }),
}
const binary = { schema: z.string().openapi({ format: 'binary' }) }
const sent = headers('ETag', 'Cache-Control', 'Vary', 'Content-Location', 'Accept-Ranges', 'Content-Length', 'X-Content-Type-Options', 'Content-Security-Policy', 'Age', 'CF-Cache-Status')
for (const method of ['get', 'head'] as const) {
  variantBest.openAPIRegistry.registerPath({
    method,
    path: '/images/{id}/variants/{name}',
    operationId: method === 'get' ? 'getBestVariant' : 'headBestVariant',
    summary: method === 'get' ? 'A variant in the best format the browser accepts' : "The best format's headers without the bytes",
    description: 'Negotiated from `Accept` (`Vary: Accept`); `Content-Location` names the immutable per-format URL. For `<img src>`; `<picture>` with the per-format URLs avoids negotiation.',
    security: [],
    request,
    responses: {
      200: { description: 'The file in the chosen format', headers: sent, ...(method === 'get' ? { content: Object.fromEntries(MIME_TYPES.map((t) => [t, binary])) } : {}) },
      206: { description: 'One byte range', headers: { ...sent, ...headers('Content-Range') } },
      304: { description: 'Not modified', headers: headers('ETag', 'Cache-Control', 'Vary', 'Content-Location', 'Accept-Ranges', 'X-Content-Type-Options', 'Content-Security-Policy', 'Age', 'CF-Cache-Status') },
      403: response('Forbidden'),
      404: response('NotFound'),
      416: response('RangeNotSatisfiable'),
      500: response('InternalError'),
    },
  })
}

/** How long the choice may be reused: a made variant's files never change (a deletion purges it). */
const BEST_CACHE = 'public, max-age=86400'

async function serveBest(c: Context<AppEnv>): Promise<Response> {
  const { id, name } = c.req.param() as { id: string; name: string }
  if (!(PRESET_NAMES as readonly string[]).includes(name) || id.length > 64) return fileNotFound(c)
  // Before any cache: a private image's variant needs a valid signature, a tampered one is refused outright.
  const access = await checkAccess(c, c.req.path)
  if (access instanceof Response) return access
  const accept = c.req.header('accept') ?? null
  const origin = new URL(c.req.url).origin
  const decisionKey = new Request(decisionUrl(origin, id, name, acceptClass(accept, MODERN_FORMATS)))
  let choice = await caches.default.match(decisionKey)
  let key = choice?.headers.get('x-file-key') ?? null
  let format = (choice?.headers.get('x-file-format') ?? null) as FormatName | null
  let isPrivate = choice?.headers.get('x-private') === '1'
  if (!key || !format) {
    const found = await loadImage(c.get('store'), id)
    const variant = found?.variants.find((v) => v.name === name)
    if (!found || !variant || variant.status !== 'completed' || !variant.imagePath) return fileNotFound(c)
    const files = found.files.filter((f) => f.variantId === variant.id).map((f) => ({ format: f.format as FormatName, imagePath: f.imagePath }))
    // The variant row holds the fallback, in the original's format (variants made before variant_files have no file rows).
    const fallback = { format: formatByMimeType(found.image.contentType)!, imagePath: variant.imagePath }
    const file = chooseFile(files, fallback, accept)
    key = file.imagePath
    format = file.format
    isPrivate = found.image.private
    choice = new Response(null, { headers: { 'x-file-key': key, 'x-file-format': format, 'x-private': isPrivate ? '1' : '0', 'cache-control': BEST_CACHE } })
    c.executionCtx.waitUntil(caches.default.put(decisionKey, choice))
  }
  if (isPrivate && access !== 'signed') return forbidden(c, 'missing')
  // A private file's Content-Location is signed like the request (same expiry), so it can be followed.
  const location = access === 'signed' ? await signedPath(`/files/${key}`, Number(c.req.query('exp')), c.get('config').signingKeys) : `/files/${key}`
  const res = await fileResponse(c, key, format, { 'cache-control': BEST_CACHE, vary: 'Accept', 'content-location': location }, access)
  return res ?? fileNotFound(c)
}

variantBest.on(['GET', 'HEAD'], '/images/:id/variants/:name', serveBest)
