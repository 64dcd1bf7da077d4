import { createMiddleware } from 'hono/factory'
import { log } from '../lib/log'
import type { AppEnv } from './env'

/**
 * One JSON line per request. Only what helps find a request again: never
 * headers, query strings or bodies, so a token can never reach the logs.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now()
  await next()
  log.info('request', {
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    status: c.res.status,
    // Wall time; in workerd the clock advances only across I/O, which is what a request mostly waits on.
    ms: Date.now() - started,
    userId: c.get('userId') ?? null,
    ray: c.req.header('cf-ray') ?? null,
    // The request's D1 cost (the write budget, docs/capacity.md); absent when the config failed first.
    d1: c.get('store')?.usage ?? null,
  })
})
