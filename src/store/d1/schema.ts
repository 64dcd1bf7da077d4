import { sql } from 'drizzle-orm'
import type { CustomMetadata } from '../../lib/custom-metadata'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Lifecycle shared by images and variants. `draft`: stored, not yet handed to the queue. */
export const STATUSES = ['draft', 'processing', 'completed', 'failed'] as const
export type Status = (typeof STATUSES)[number]

const now = sql`(unixepoch('subsec') * 1000)`

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull().default(now),
})

/** Bearer tokens, stored only as SHA-256 hashes of the token. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull().default(now),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash').on(t.tokenHash)],
)

export const images = sqliteTable(
  'images',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** R2 key of the original; also its delivery path under /files/. */
    imagePath: text('image_path').notNull(),
    /** Displayed size (EXIF orientation applied). */
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    status: text('status', { enum: STATUSES }).notNull(),
    fileName: text('file_name'),
    contentType: text('content_type').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** EXIF orientation 1..8 read at upload, applied when making variants. */
    orientation: integer('orientation').notNull().default(1),
    error: text('error'),
    /** Files served only with a signed URL (src/lib/signature.ts); fixed at upload. */
    private: integer('private', { mode: 'boolean' }).notNull().default(false),
    /** The owner's custom metadata, a JSON object (src/lib/custom-metadata.ts); owner-only. */
    metadata: text('metadata', { mode: 'json' }).$type<CustomMetadata>(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('images_user_created').on(t.userId, t.createdAt), index('images_status_updated').on(t.status, t.updatedAt)],
)

export const imageVariants = sqliteTable(
  'image_variants',
  {
    id: text('id').primaryKey(),
    originalImageId: text('original_image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    /** Preset name: thumb, medium, large. */
    name: text('name').notNull(),
    /** R2 key once made; null until then. */
    imagePath: text('image_path'),
    /** Expected size at upload, exact size once made. */
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    status: text('status', { enum: STATUSES }).notNull(),
    contentType: text('content_type').notNull(),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    error: text('error'),
    /** Why the last attempt failed while it is still being retried; becomes `error` if it reaches the dead-letter queue. */
    lastError: text('last_error'),
    /** How many times the repair job re-enqueued this variant. */
    repairs: integer('repairs').notNull().default(0),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('image_variants_image_name').on(t.originalImageId, t.name),
    index('image_variants_status_updated').on(t.status, t.updatedAt),
  ],
)

/**
 * The files of a made variant, one per format (e.g. WebP next to the JPEG fallback). The variant
 * row keeps its fallback file (the original's format) as before; this table lists every format,
 * the fallback included, written in the same batch that marks the variant completed.
 */
export const variantFiles = sqliteTable(
  'variant_files',
  {
    variantId: text('variant_id')
      .notNull()
      .references(() => imageVariants.id, { onDelete: 'cascade' }),
    /** A format name of src/formats/registry.ts. */
    format: text('format').notNull(),
    /** R2 key, also the immutable delivery path under /files/. */
    imagePath: text('image_path').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
  },
  (t) => [primaryKey({ columns: [t.variantId, t.format] })],
)

/**
 * `Idempotency-Key` of `POST /images`, per user. The primary key is what makes
 * concurrent duplicates safe: only one request can claim a key.
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** SHA-256 of what was asked (file bytes and name): the same key with another body is refused. */
    fingerprint: text('fingerprint').notNull(),
    /** Random per claim, so a request only ever completes the claim it made. */
    claim: text('claim').notNull(),
    /** Written in the same D1 batch as the image rows: a stored upload is linked to its key atomically. */
    imageId: text('image_id'),
    /** The first answer, replayed to retries. */
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_expires').on(t.expiresAt)],
)

/**
 * One-time upload URLs made by an owner for a browser without a token (POST /images/direct-uploads).
 * The id becomes the image's id. Until used, the upload is the owner's `draft`. `claimedAt` marks an
 * upload in progress (a refused file gives the claim back, so a corrected file can still be sent);
 * `usedAt` is set in the same D1 batch as the image's rows.
 */
export const directUploads = sqliteTable(
  'direct_uploads',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of the URL's secret, like API tokens: the secret itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    private: integer('private', { mode: 'boolean' }).notNull().default(false),
    metadata: text('metadata', { mode: 'json' }).$type<CustomMetadata>(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    claimedAt: integer('claimed_at'),
    usedAt: integer('used_at'),
  },
  (t) => [index('direct_uploads_expires').on(t.expiresAt), index('direct_uploads_user_created').on(t.userId, t.createdAt)],
)

/**
 * An owner's webhook endpoints (POST /webhooks). The signing secret must be stored readable, since
 * every delivery is signed with it (Standard Webhooks' symmetric scheme). After a rotation the
 * previous secret signs too, until `previousSecretExpiresAt`. An endpoint that keeps failing is
 * disabled (`enabled` false, `disabledReason` says why) until the owner enables it again.
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** Event types delivered to it (src/lib/webhooks.ts WEBHOOK_EVENT_TYPES). */
    events: text('events', { mode: 'json' }).notNull().$type<string[]>(),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: integer('previous_secret_expires_at'),
    /** The API's base URL when the endpoint was registered: the base of the URLs in its events. */
    baseUrl: text('base_url').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** First failed attempt since the last success; null while deliveries succeed. */
    failingSince: integer('failing_since'),
    lastError: text('last_error'),
    lastAttemptAt: integer('last_attempt_at'),
    lastSuccessAt: integer('last_success_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('webhook_endpoints_user').on(t.userId, t.createdAt)],
)

/**
 * Webhook events, the outbox: written in the same D1 batch as the change they report (a variant
 * result that finishes the image, a deletion), then fanned out to the endpoints as queue messages
 * (`dispatchedAt`); the repair cron fans out any event left undispatched. The id is the event's
 * `webhook-id`, the same on every retry, so receivers can deduplicate. One event per image and type.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** No foreign key: an image.deleted event outlives its image. */
    imageId: text('image_id').notNull(),
    type: text('type').notNull(),
    /** The event's data when it cannot be read later (image.deleted); else built from the image at delivery. */
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: integer('created_at').notNull(),
    dispatchedAt: integer('dispatched_at'),
  },
  (t) => [uniqueIndex('webhook_events_image_type').on(t.imageId, t.type), index('webhook_events_created').on(t.createdAt)],
)

/** Small named values the repair cron keeps between runs (the R2 sweep's position). */
export const repairState = sqliteTable('repair_state', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export type ImageRow = typeof images.$inferSelect
export type VariantRow = typeof imageVariants.$inferSelect
export type VariantFileRow = typeof variantFiles.$inferSelect
export type DirectUploadRow = typeof directUploads.$inferSelect
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect
export type WebhookEventRow = typeof webhookEvents.$inferSelect
