import { createMiddleware } from 'hono/factory'
import { ProblemError } from '../lib/problem'
import { tokenHash } from '../lib/token'
import { userIdForToken } from '../store/d1/tokens'
import type { AppEnv } from './env'

/** RFC 6750's b64token syntax; what our tokens look like is `lib/token.ts`'s business. */
const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]{16,200}=*)$/

/** Resolves `Authorization: Bearer <token>` to a user; tokens are compared by SHA-256, never stored. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header('authorization') ?? '')
  const fail = (detail: string) => new ProblemError(401, 'unauthorized', detail, { 'www-authenticate': 'Bearer realm="images"' })
  if (!match) throw fail('Send an API token as `Authorization: Bearer <token>`.')
  const userId = await userIdForToken(c.get('store'), await tokenHash(match[1]!))
  if (!userId) throw fail('The API token is unknown or revoked.')
  c.set('userId', userId)
  await next()
})
