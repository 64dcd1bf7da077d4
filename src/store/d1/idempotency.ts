/**
 * Idempotency keys in D1. A key is claimed by inserting its row, so of two concurrent duplicates
 * only one can win: the primary key decides, inside D1.
 */
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm'
import type { Store } from '..'
import type { IdempotencyClaim } from './images'
import { idempotencyKeys } from './schema'

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect

const mine = (c: IdempotencyClaim) => and(eq(idempotencyKeys.userId, c.userId), eq(idempotencyKeys.key, c.key), eq(idempotencyKeys.claim, c.claim))

/**
 * Inserts the claim, or takes over a row that expired or whose request died before storing
 * anything (`staleBefore`, same fingerprint only). One statement, so D1 serialises concurrent
 * claims: exactly one of them gets a row back.
 */
export async function claimKey({ db }: Store, c: IdempotencyClaim, fingerprint: string, now: number, expiresAt: number, staleBefore: number): Promise<boolean> {
  const fresh = { fingerprint, claim: c.claim, imageId: null, responseStatus: null, responseBody: null, createdAt: now, expiresAt }
  const won = await db
    .insert(idempotencyKeys)
    .values({ userId: c.userId, key: c.key, ...fresh })
    .onConflictDoUpdate({
      target: [idempotencyKeys.userId, idempotencyKeys.key],
      set: fresh,
      setWhere: or(
        lte(idempotencyKeys.expiresAt, now),
        and(isNull(idempotencyKeys.imageId), isNull(idempotencyKeys.responseBody), lte(idempotencyKeys.createdAt, staleBefore), eq(idempotencyKeys.fingerprint, fingerprint)),
      ),
    })
    .returning({ claim: idempotencyKeys.claim })
  return won[0]?.claim === c.claim
}

export async function readKey({ db }: Store, userId: string, key: string): Promise<IdempotencyRow | null> {
  return (await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key))).get()) ?? null
}

/** Frees a claim that stored nothing, so the client's retry can run. */
export async function releaseClaim({ db }: Store, c: IdempotencyClaim): Promise<void> {
  await db.delete(idempotencyKeys).where(and(mine(c), isNull(idempotencyKeys.imageId)))
}

/** The first answer, replayed to retries. */
export async function saveAnswer({ db }: Store, c: IdempotencyClaim, status: number, body: string): Promise<void> {
  await db.update(idempotencyKeys).set({ responseStatus: status, responseBody: body }).where(mine(c))
}

/** Deletes expired keys, a bounded number per run (the repair cron calls this). */
export async function purgeExpiredKeys({ db }: Store, now = Date.now(), limit = 1000): Promise<number> {
  const result = await db.run(sql`DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE expires_at <= ${now} LIMIT ${limit})`)
  return result.meta.changes ?? 0
}
