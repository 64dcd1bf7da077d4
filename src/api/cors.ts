import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env'

const ALLOW_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS'
const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-D1-Bookmark'
const EXPOSE_HEADERS = 'Location, Retry-After, X-D1-Bookmark'

/** Whether a browser page at `origin` may call the API (pure; `*` in the list allows any). */
export function originAllowed(origin: string | null | undefined, allowed: readonly string[]): origin is string {
  if (!origin || origin === 'null') return false
  return allowed.includes('*') || allowed.includes(origin)
}

/**
 * CORS for browser uploads, from `CORS_ALLOWED_ORIGINS`. Tokens travel in
 * `Authorization`, never cookies, so credentials are not allowed. A request
 * from any other origin gets no CORS headers at all, so the browser keeps the
 * answer from the page; preflights are answered here, before auth.
 */
export const cors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header('origin')
  const allowed = originAllowed(origin, c.get('config').corsAllowedOrigins)
  if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
    const headers = new Headers({ vary: 'Origin', 'cache-control': 'no-store' })
    if (allowed) {
      headers.set('access-control-allow-origin', origin)
      headers.set('access-control-allow-methods', ALLOW_METHODS)
      headers.set('access-control-allow-headers', ALLOW_HEADERS)
      headers.set('access-control-max-age', '600')
    }
    return new Response(null, { status: 204, headers })
  }
  await next()
  // Answers that vary by origin must say so, or a cache could hand one origin's headers to another.
  if (!/(^|,)\s*origin\s*(,|$)/i.test(c.res.headers.get('vary') ?? '')) c.res.headers.append('vary', 'Origin')
  if (allowed) {
    c.res.headers.set('access-control-allow-origin', origin)
    c.res.headers.set('access-control-expose-headers', EXPOSE_HEADERS)
  }
})
