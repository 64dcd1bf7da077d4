/**
 * The one door to storage: D1 (metadata), R2 (files), the variant queue and the webhook queue.
 * Capabilities open a store from their bindings and pass it to the functions
 * of `store/d1/*`, `store/files` and `store/queue`; they never touch drizzle or
 * a binding themselves, so changing a storage service is a change in here.
 */
import { db, type Db } from './d1/client'

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
}

export const openStore = (env: StoreBindings): Store => ({ db: db(env.DB), bucket: env.IMAGES, queue: env.VARIANT_QUEUE, webhookQueue: env.WEBHOOK_QUEUE })
