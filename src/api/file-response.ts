/**
 * A stored file as an HTTP answer, shared by `/files/{key}` and the negotiated variant URL: from the
 * edge cache or R2, with ETag (304), a single byte range (206, 416) and HEAD.
 */
import type { Context } from 'hono'
import { cachedFile } from '../delivery/edge-cache'
import { etagMatches, parseRange } from '../delivery/range'
import { FORMATS, type FormatName } from '../formats/registry'
import { problem } from '../lib/problem'
import { baseUrl } from './base-url'
import type { AppEnv } from './env'

export function fileNotFound(c: Context<AppEnv>): Response {
  const res = problem(baseUrl(c), 404, 'not-found', 'No such file.')
  // Short, so a file that appears later (a variant being made) is not hidden for long.
  res.headers.set('cache-control', 'public, max-age=60')
  return res
}

/** The answer for a stored file's key, or null when there is no such file. `extra` headers are set on every answer. */
export async function fileResponse(c: Context<AppEnv>, key: string, format: FormatName, extra: Record<string, string> = {}): Promise<Response | null> {
  const full = await cachedFile(c.get('store'), new URL(c.req.url).origin, key, FORMATS[format].mimeType, (p) => c.executionCtx.waitUntil(p))
  if (!full) return null
  const etag = full.headers.get('etag') ?? ''
  const headers = new Headers(full.headers)
  for (const [k, v] of Object.entries(extra)) headers.set(k, v)
  if (etagMatches(c.req.header('if-none-match') ?? null, etag)) {
    headers.delete('content-length')
    await full.body?.cancel()
    return new Response(null, { status: 304, headers })
  }
  const isHead = c.req.method === 'HEAD'
  const size = Number(full.headers.get('content-length'))
  // If-Range with a different validator means "send it all".
  const ifRange = c.req.header('if-range')
  const range = ifRange && ifRange !== etag ? ({ kind: 'none' } as const) : parseRange(c.req.header('range') ?? null, size)
  if (range.kind === 'unsatisfiable') {
    await full.body?.cancel()
    const res = problem(baseUrl(c), 416, 'range-not-satisfiable', `The file has ${size} bytes.`)
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
