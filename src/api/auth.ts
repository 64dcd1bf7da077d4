import { and, eq, isNull } from 'drizzle-orm'
import { createMiddleware } from 'hono/factory'
import { db } from '../db/client'
import { apiTokens } from '../db/schema'
import { sha256Hex } from '../lib/crypto'
import { ProblemError } from '../lib/problem'
import type { AppEnv } from './env'

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]{16,200}=*)$/

/** Resolves `Authorization: Bearer <token>` to a user; tokens are compared by SHA-256, never stored. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header('authorization') ?? '')
  const fail = (detail: string) => new ProblemError(401, 'unauthorized', detail, { 'www-authenticate': 'Bearer realm="images"' })
  if (!match) throw fail('Send an API token as `Authorization: Bearer <token>`.')
  const hash = await sha256Hex(match[1]!)
  const row = await db(c.env.DB)
    .select({ userId: apiTokens.userId })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)))
    .get()
  if (!row) throw fail('The API token is unknown or revoked.')
  c.set('userId', row.userId)
  await next()
})
