import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../api/env'
import { ProblemSchema } from '../api/problem-schema'
import { problem } from '../lib/problem'
import { IMMUTABLE } from '../upload/store'
import { contentTypeFor, parseFileKey } from './keys'
import { etagMatches, parseRange } from './range'

export const delivery = new OpenAPIHono<AppEnv>()

delivery.openAPIRegistry.registerPath({
  method: 'get',
  path: '/files/{imageId}/{file}',
  summary: 'An original or variant file (immutable, edge-cached)',
  description: 'URLs come from image metadata. Supports HEAD, If-None-Match (304) and single byte ranges (206).',
  request: { params: z.object({ imageId: z.string(), file: z.string().openapi({ example: 'large_1440x1080_ab12cd34ef567890.jpg' }) }) },
  responses: {
    200: { description: 'The file', content: { 'image/jpeg': { schema: z.any().openapi({ type: 'string', format: 'binary' }) }, 'image/png': { schema: z.any().openapi({ type: 'string', format: 'binary' }) } } },
    206: { description: 'A byte range of the file' },
    304: { description: 'Not modified' },
    404: { description: 'No such file', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
})

/** Headers every file answer carries; `nosniff` and the CSP keep a crafted upload from acting as a page. */
const FILE_HEADERS = {
  'cache-control': IMMUTABLE,
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'accept-ranges': 'bytes',
}

function notFound() {
  const res = problem(404, 'not-found', 'No such file.')
  // Short, so a file that appears later (a variant being made) is not hidden for long.
  res.headers.set('cache-control', 'public, max-age=60')
  return res
}

/** The full 200 answer for a key, from the edge cache or else from R2 (then cached). */
async function fullResponse(c: Context<AppEnv>, key: string, contentType: string): Promise<Response | null> {
  const cache = caches.default
  const cacheKey = new Request(new URL(c.req.url).origin + '/files/' + key, { method: 'GET' })
  const hit = await cache.match(cacheKey)
  if (hit) return hit
  const object = await c.env.IMAGES.get(key)
  if (!object) return null
  const res = new Response(object.body, {
    headers: { ...FILE_HEADERS, 'content-type': contentType, etag: object.httpEtag, 'content-length': String(object.size) },
  })
  c.executionCtx.waitUntil(cache.put(cacheKey, res.clone()))
  return res
}

async function serveFile(c: Context<AppEnv>): Promise<Response> {
  const key = c.req.path.slice('/files/'.length)
  const parsed = parseFileKey(key)
  if (!parsed) return notFound()
  const full = await fullResponse(c, key, contentTypeFor(parsed.ext))
  if (!full) return notFound()

  const etag = full.headers.get('etag') ?? ''
  const headers = new Headers(full.headers)
  if (etagMatches(c.req.header('if-none-match') ?? null, etag)) {
    headers.delete('content-length')
    return new Response(null, { status: 304, headers })
  }
  const isHead = c.req.method === 'HEAD'
  const size = Number(full.headers.get('content-length'))
  // If-Range with a different validator means "send it all".
  const ifRange = c.req.header('if-range')
  const range = ifRange && ifRange !== etag ? ({ kind: 'none' } as const) : parseRange(c.req.header('range') ?? null, size)
  if (range.kind === 'unsatisfiable') {
    await full.body?.cancel()
    const res = problem(416, 'range-not-satisfiable', `The file has ${size} bytes.`)
    res.headers.set('content-range', `bytes */${size}`)
    return res
  }
  if (range.kind === 'range') {
    const bytes = isHead ? null : (await full.arrayBuffer()).slice(range.start, range.end + 1)
    headers.set('content-range', `bytes ${range.start}-${range.end}/${size}`)
    headers.set('content-length', String(range.end - range.start + 1))
    return new Response(bytes, { status: 206, headers })
  }
  if (isHead) {
    await full.body?.cancel()
    return new Response(null, { status: 200, headers })
  }
  return new Response(full.body, { status: 200, headers })
}

delivery.on(['GET', 'HEAD'], '/files/*', serveFile)
