import { createMiddleware } from 'hono/factory'
import { ProblemError } from '../lib/problem'
import type { AppEnv } from './env'

/**
 * The binding does not say when a key frees up; its period is 10 or 60 s
 * (`[[ratelimits]]` in wrangler.toml), so the longest one is always a safe wait.
 */
export const RETRY_AFTER_SECONDS = 60

/** The limiter's key for a user's uploads. */
export const uploadRateKey = (userId: string) => `upload:${userId}`

/**
 * Per-user upload limit through the Workers rate-limiting binding, keyed by
 * user id (so it runs after `requireUser`). The count is per Cloudflare
 * location and eventually consistent: it stops floods, it is not billing.
 * If the binding is missing or fails, uploads go on (logged): the limit
 * protects capacity and must not take the service down with it.
 */
export const uploadRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const limiter = c.env.UPLOAD_RATE_LIMITER as RateLimit | undefined
  const userId = c.get('userId')
  let allowed = true
  if (!limiter) {
    console.warn(JSON.stringify({ event: 'rate_limit.unbound' }))
  } else {
    try {
      allowed = (await limiter.limit({ key: uploadRateKey(userId) })).success
    } catch (err) {
      console.error(JSON.stringify({ event: 'rate_limit.error', error: String(err) }))
    }
  }
  if (!allowed) {
    console.log(JSON.stringify({ event: 'rate_limit.exceeded', userId }))
    throw new ProblemError(429, 'too-many-requests', `Too many uploads; retry in ${RETRY_AFTER_SECONDS} seconds.`, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    })
  }
  await next()
})
