/** API tokens, stored only as SHA-256 hashes. */
import { and, eq, isNull } from 'drizzle-orm'
import type { Store } from '..'
import { apiTokens } from './schema'

/** The user of a live (not revoked) token, by the token's hash. */
export async function userIdForToken({ db }: Store, tokenHash: string): Promise<string | null> {
  const row = await db
    .select({ userId: apiTokens.userId })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .get()
  return row?.userId ?? null
}
