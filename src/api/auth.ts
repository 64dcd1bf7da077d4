import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { ProblemError } from '../lib/problem'
import { tokenHash } from '../lib/token'
import { userIdForToken } from '../store/d1/tokens'
import type { AppEnv } from './env'

/** RFC 6750's b64token syntax (the scheme name is case-insensitive, RFC 9110 §11.1); what our tokens look like is `lib/token.ts`'s business. */
const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]{16,200}=*)$/i

const fail = (detail: string) => new ProblemError(401, 'unauthorized', detail, { 'www-authenticate': 'Bearer realm="images"' })

async function authenticate(c: Context<AppEnv>): Promise<void> {
  const match = BEARER.exec(c.req.header('authorization') ?? '')
  if (!match) throw fail('Send an API token as `Authorization: Bearer <token>`.')
  const userId = await userIdForToken(c.get('store'), await tokenHash(match[1]!))
  if (!userId) throw fail('The API token is unknown or revoked.')
  c.set('userId', userId)
}

/** Resolves `Authorization: Bearer <token>` to a user; tokens are compared by SHA-256, never stored. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  await authenticate(c)
  await next()
})

/**
 * For reads that anyone may make but the owner sees more of (a private image, a draft, custom
 * metadata): a token, if sent, must be valid (401 otherwise); without one the caller is nobody.
 */
export const optionalUser = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header('authorization') !== undefined) await authenticate(c)
  await next()
})
