/**
 * Webhook endpoints and events in D1. Events are an outbox: the statement that writes one goes
 * into the same batch as the change it reports, and writes it only when the owner has an enabled
 * endpoint for its type, so an owner without webhooks costs no write.
 */
import { and, asc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm'
import type { Store } from '..'
import { newEventId, type WebhookEventType } from '../../lib/webhooks'
import type { Db } from './client'
import { images, webhookEndpoints, webhookEvents, type WebhookEndpointRow, type WebhookEventRow } from './schema'

export type { WebhookEndpointRow, WebhookEventRow }

/** Endpoints one owner may have: a few per environment is the use; more is a mistake or abuse. */
export const MAX_ENDPOINTS_PER_USER = 10

/** How long events are kept after they are made (receivers deduplicate within it; after it, the repair cron deletes them). */
export const EVENT_RETENTION_MS = 7 * 24 * 3600 * 1000

const subscribed = (type: SQL | string) =>
  sql`EXISTS (SELECT 1 FROM ${webhookEndpoints} e WHERE e.user_id = ${images.userId} AND e.enabled = 1 AND EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = ${type}))`

/** An INSERT ... SELECT of one event of `type` about the image, if its owner listens for it and `where` holds; returns the new id. */
function eventInsert(db: Db, imageId: string, type: SQL<string>, payload: SQL<string | null>, now: number, where?: SQL) {
  return db
    .insert(webhookEvents)
    .select(
      db
        .select({
          id: sql<string>`${newEventId()}`.as('id'),
          userId: sql<string>`${images.userId}`.as('user_id'),
          imageId: sql<string>`${images.id}`.as('image_id'),
          type: type.as('type'),
          payload: payload.as('payload'),
          createdAt: sql<number>`${now}`.as('created_at'),
          dispatchedAt: sql<null>`NULL`.as('dispatched_at'),
        })
        .from(images)
        .where(and(eq(images.id, imageId), where, subscribed(type))),
    )
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id })
}

/**
 * For the batch that settles a variant (after the status roll-up): `image.completed` or
 * `image.failed` once the image reached that state, if anyone listens. The unique (image, type)
 * index makes the first writer win, so racing consumers make one event.
 */
export const finalEventStatement = (db: Db, imageId: string, now: number) =>
  eventInsert(db, imageId, sql<string>`CASE ${images.status} WHEN 'completed' THEN 'image.completed' ELSE 'image.failed' END`, sql<null>`NULL`, now, inArray(images.status, ['completed', 'failed']))

/**
 * For the batch that deletes an image, before the image's row goes: `image.deleted`, with its data
 * taken now (id, custom metadata, when), since the image will be gone when it is delivered.
 */
export const deletedEventStatement = (db: Db, imageId: string, now: number) =>
  eventInsert(db, imageId, sql<string>`${'image.deleted' satisfies WebhookEventType}`, sql<string>`json_object('id', ${images.id}, 'metadata', json(${images.metadata}), 'deletedAt', ${new Date(now).toISOString()})`, now)

/** Events and the enabled endpoints each goes to, for the fan-out. */
export async function eventTargets({ db }: Store, eventIds: string[]): Promise<{ eventId: string; endpointId: string }[]> {
  if (eventIds.length === 0) return []
  return db
    .select({ eventId: webhookEvents.id, endpointId: webhookEndpoints.id })
    .from(webhookEvents)
    .innerJoin(webhookEndpoints, and(eq(webhookEndpoints.userId, webhookEvents.userId), eq(webhookEndpoints.enabled, true)))
    .where(and(inArray(webhookEvents.id, eventIds), isNull(webhookEvents.dispatchedAt), sql`EXISTS (SELECT 1 FROM json_each(${webhookEndpoints.events}) WHERE value = ${webhookEvents.type})`))
}

export async function markDispatched({ db }: Store, eventIds: string[], now: number): Promise<void> {
  if (eventIds.length === 0) return
  await db.update(webhookEvents).set({ dispatchedAt: now }).where(inArray(webhookEvents.id, eventIds))
}

/** Events never fanned out (the writer died between its batch and the queue), oldest first. */
export async function undispatchedEvents({ db }: Store, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(isNull(webhookEvents.dispatchedAt), lt(webhookEvents.createdAt, before)))
    .orderBy(asc(webhookEvents.createdAt))
    .limit(limit)
  return rows.map((r) => r.id)
}

/** Deletes events past the retention, a bounded number per run (the repair cron). */
export async function purgeEvents({ db }: Store, now: number, limit = 1000): Promise<number> {
  const result = await db.run(sql`DELETE FROM webhook_events WHERE rowid IN (SELECT rowid FROM webhook_events WHERE created_at <= ${now - EVENT_RETENTION_MS} LIMIT ${limit})`)
  return result.meta.changes ?? 0
}

export async function readEvent({ db }: Store, id: string): Promise<WebhookEventRow | null> {
  return (await db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).get()) ?? null
}

// Endpoints: every read and write names the owner, so one user never reaches another's.

export async function insertEndpoint({ db }: Store, row: WebhookEndpointRow): Promise<boolean> {
  // The cap is checked in the insert itself, so concurrent registrations cannot pass it together.
  const inserted = await db.run(
    sql`INSERT INTO webhook_endpoints (id, user_id, url, events, secret, base_url, enabled, created_at, updated_at)
        SELECT ${row.id}, ${row.userId}, ${row.url}, ${JSON.stringify(row.events)}, ${row.secret}, ${row.baseUrl}, 1, ${row.createdAt}, ${row.updatedAt}
        WHERE (SELECT COUNT(*) FROM webhook_endpoints WHERE user_id = ${row.userId}) < ${MAX_ENDPOINTS_PER_USER}`,
  )
  return (inserted.meta.changes ?? 0) === 1
}

export async function listEndpoints({ db }: Store, userId: string): Promise<WebhookEndpointRow[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).orderBy(asc(webhookEndpoints.createdAt))
}

export async function readEndpoint({ db }: Store, userId: string, id: string): Promise<WebhookEndpointRow | null> {
  return (await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId))).get()) ?? null
}

/** For the deliverer, which acts for no user: by id alone. */
export async function readEndpointById({ db }: Store, id: string): Promise<WebhookEndpointRow | null> {
  return (await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get()) ?? null
}

export type EndpointChange = Partial<Pick<WebhookEndpointRow, 'url' | 'events' | 'enabled' | 'disabledReason' | 'failingSince' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt' | 'lastError'>>

export async function updateEndpoint({ db }: Store, userId: string, id: string, change: EndpointChange, now: number): Promise<WebhookEndpointRow | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ ...change, updatedAt: now })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .returning()
  return row ?? null
}

export async function deleteEndpoint({ db }: Store, userId: string, id: string): Promise<boolean> {
  const deleted = await db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId))).returning({ id: webhookEndpoints.id })
  return deleted.length === 1
}

/** A delivery succeeded: the endpoint is healthy again. */
export async function recordDeliverySuccess({ db }: Store, id: string, now: number): Promise<void> {
  await db.update(webhookEndpoints).set({ failingSince: null, lastError: null, lastAttemptAt: now, lastSuccessAt: now }).where(eq(webhookEndpoints.id, id))
}

/**
 * A delivery failed: remember why and since when it has been failing; disable it when `disable`
 * gives a reason (it is asked with the time of the first failure in the current run of them).
 * Returns that reason when this failure disabled it.
 */
export async function recordDeliveryFailure({ db }: Store, id: string, now: number, error: string, disable: (failingSince: number) => string | null): Promise<string | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ failingSince: sql`COALESCE(${webhookEndpoints.failingSince}, ${now})`, lastError: error, lastAttemptAt: now })
    .where(eq(webhookEndpoints.id, id))
    .returning({ failingSince: webhookEndpoints.failingSince, enabled: webhookEndpoints.enabled })
  if (!row?.enabled) return null
  const reason = disable(row.failingSince ?? now)
  if (reason) await db.update(webhookEndpoints).set({ enabled: false, disabledReason: reason, updatedAt: now }).where(eq(webhookEndpoints.id, id))
  return reason
}
