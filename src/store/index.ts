/**
 * The one door to storage: D1 (metadata), R2 (files), the variant queue and the webhook queue.
 * Capabilities open a store from their bindings and pass it to the functions
 * of `store/d1/*`, `store/files` and `store/queue`; they never touch drizzle or
 * a binding themselves, so changing a storage service is a change in here.
 */
import { db, type Db } from './d1/client'
import { openSession, type D1Usage, type SessionStart } from './d1/session'

export type { D1Usage, SessionStart }

export interface StoreBindings {
  DB: D1Database
  IMAGES: R2Bucket
  VARIANT_QUEUE: Queue
  WEBHOOK_QUEUE: Queue
}

export interface Store {
  /** For `store/` only. */
  readonly db: Db
  readonly bucket: R2Bucket
  readonly queue: Queue
  /** Webhook deliveries, one message per event and endpoint (store/webhooks.ts). */
  readonly webhookQueue: Queue
  /** What this store's D1 session cost so far. */
  readonly usage: D1Usage
  /** The session's latest bookmark (null before its first query): hand it back to continue from there. */
  bookmark(): string | null
}

/**
 * A store on one D1 session (d1/session.ts). The default, `first-primary`, is for writers and for
 * work that must see the latest state (the processor, the cron, webhook deliveries); the API picks
 * per request (api/app.ts).
 */
export function openStore(env: StoreBindings, start: SessionStart = 'first-primary'): Store {
  const session = openSession(env.DB, start)
  return { db: db(session.database), bucket: env.IMAGES, queue: env.VARIANT_QUEUE, webhookQueue: env.WEBHOOK_QUEUE, usage: session.usage, bookmark: session.bookmark }
}
