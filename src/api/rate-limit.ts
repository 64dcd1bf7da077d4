import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { log } from '../lib/log'
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
 * Per-user upload limit through the Workers rate-limiting binding, keyed by user id (so it runs
 * after `requireUser`). The count is per Cloudflare location and eventually consistent: it stops
 * floods, it is not billing. It fails closed: the binding is required by the config (a Worker
 * without it does not serve), and if it errors the upload is refused with 503 and Retry-After,
 * since an unmetered flood is what the limit exists to stop.
 */
export const uploadRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  await checkUploadRate(c, c.get('userId'))
  await next()
})

/** The same limit for an upload on someone's behalf (a direct-upload URL counts against its owner). */
export async function checkUploadRate(c: Context<AppEnv>, userId: string): Promise<void> {
  let allowed: boolean
  try {
    allowed = (await c.env.UPLOAD_RATE_LIMITER.limit({ key: uploadRateKey(userId) })).success
  } catch (err) {
    log.error('rate_limit.error', { error: String(err) })
    throw new ProblemError(503, 'unavailable', 'Uploads are paused for a moment; retry shortly.', { 'retry-after': '5' })
  }
  if (!allowed) {
    log.info('rate_limit.exceeded', { userId })
    throw new ProblemError(429, 'too-many-requests', `Too many uploads; retry in ${RETRY_AFTER_SECONDS} seconds.`, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    })
  }
}
