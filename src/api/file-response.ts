/**
 * A stored file as an HTTP answer, shared by `/files/{key}` and the negotiated variant URL: from the
 * edge cache or R2, with ETag (304), a single byte range (206, 416) and HEAD.
 */
import type { Context } from 'hono'
import { cachedFile, type FileAccess } from '../delivery/edge-cache'
import { etagMatches, parseRange } from '../delivery/range'
import { FORMATS, type FormatName } from '../formats/registry'
import { problem } from '../lib/problem'
import { checkSignature, type SignatureCheck } from '../lib/signature'
import { baseUrl } from './base-url'
import type { AppEnv } from './env'

export function fileNotFound(c: Context<AppEnv>): Response {
  const res = problem(baseUrl(c), 404, 'not-found', 'No such file.')
  // Short, so a file that appears later (a variant being made) is not hidden for long.
  res.headers.set('cache-control', 'public, max-age=60')
  return res
}

/** A private file's request without a valid signature. */
export function forbidden(c: Context<AppEnv>, check: Exclude<SignatureCheck, 'valid'>): Response {
  const detail = {
    missing: 'This file belongs to a private image: it needs a signed URL (exp and sig) from the owner\'s image metadata.',
    malformed: 'The URL\'s exp or sig is malformed.',
    expired: 'The signed URL has expired; read the image metadata again for a fresh one.',
    invalid: 'The signature does not match this path and expiry.',
  }[check]
  return problem(baseUrl(c), 403, 'forbidden', detail)
}

/**
 * Checks the request's signature, if it has one (a private image's URL): the access it may go on
 * with (`public` without one, `signed` when valid), or the 403 to answer. Checked before any cache is asked.
 */
export async function checkAccess(c: Context<AppEnv>, path: string): Promise<FileAccess | Response> {
  const check = await checkSignature(path, c.req.query('exp') ?? null, c.req.query('sig') ?? null, c.get('config').signingKeys, Date.now())
  if (check === 'missing') return 'public'
  return check === 'valid' ? 'signed' : forbidden(c, check)
}

/** Seconds a signed URL has left: how long a browser may keep its answer (and no shared cache at all). */
const signedCacheControl = (c: Context<AppEnv>) => `private, max-age=${Math.max(0, Number(c.req.query('exp')) - Math.floor(Date.now() / 1000))}`

/** The answer for a stored file's key, or null when there is no such file. `extra` headers are set on every answer. */
export async function fileResponse(c: Context<AppEnv>, key: string, format: FormatName, extra: Record<string, string> = {}, access: FileAccess = 'public'): Promise<Response | null> {
  const full = await cachedFile(c.get('store'), new URL(c.req.url).origin, key, FORMATS[format].mimeType, (p) => c.executionCtx.waitUntil(p), access)
  if (full === 'private') return forbidden(c, 'missing')
  if (!full) return null
  if (access === 'signed') extra = { ...extra, 'cache-control': signedCacheControl(c) }
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
