/**
 * `Idempotency-Key` on `POST /images`: a retry with the same key by the same
 * user within 24 h gets the first answer back and stores nothing new; the
 * same key with a different body is a 422; a duplicate arriving while the
 * first is still running is a 409 (retry it shortly).
 *
 * A key is claimed by inserting its row, so of two concurrent duplicates only
 * one can win (the primary key decides, inside D1). The winner links the key
 * to its image in the same D1 batch as the image rows, then saves the answer.
 */
import type { Store } from '../store'
import { claimKey, readKey, releaseClaim, saveAnswer } from '../store/d1/idempotency'
import type { IdempotencyClaim } from '../store/d1/images'
import { newId, sha256Hex } from '../lib/crypto'
import { log } from '../lib/log'
import { ProblemError } from '../lib/problem'

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
/** A claim with no image after this long belongs to a request that died: a retry may take it over. */
export const STALE_CLAIM_MS = 60 * 1000
/** Visible ASCII, as most clients send (UUIDs); the structured-field quoted form is accepted too. */
const KEY = /^[\x21-\x7e]{1,255}$/

/** The first answer of an upload (always a 202: only stored uploads are remembered). */
export interface UploadAnswer<T> {
  body: T
  location: string
}

export interface IdempotentResult<T> extends UploadAnswer<T> {
  /** True when this is a retry answered from the first request. */
  replayed: boolean
}

export interface IdempotentUpload {
  userId: string
  /** The raw header, if any. */
  key: string | undefined
  /** SHA-256 (hex) of the file. */
  sha256: string
  fileName: string | null
  /** Privacy and custom metadata: part of what was asked. */
  private: boolean
  metadata: unknown
}

/** The key from the header, or null when absent; a malformed key is a 400. */
export function readIdempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null
  const key = /^"(.*)"$/.exec(header.trim())?.[1] ?? header.trim()
  if (!KEY.test(key)) throw new ProblemError(400, 'bad-request', 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.')
  return key
}

/** What the request asked for: the same key must always ask for the same thing. */
export async function uploadFingerprint(fileSha256: string, fileName: string | null, isPrivate = false, metadata: unknown = null): Promise<string> {
  // A public upload without metadata keeps the fingerprint it had before those existed.
  const extra = isPrivate || metadata !== null ? [isPrivate, metadata] : []
  return sha256Hex(JSON.stringify([fileSha256, fileName, ...extra]))
}

const ANSWER_STATUS = 202

/**
 * Runs `store` at most once per (user, key). `store` receives the claim to link to its image in
 * the same D1 batch as the image rows; `current` rebuilds an answer from an image id for the rare
 * retry whose first request stored the image but died before saving its answer.
 */
export async function idempotentUpload<T>(
  db: Store,
  request: IdempotentUpload,
  store: (claim: IdempotencyClaim | null) => Promise<UploadAnswer<T>>,
  current: (imageId: string) => Promise<UploadAnswer<T> | null>,
): Promise<IdempotentResult<T>> {
  const key = readIdempotencyKey(request.key)
  if (key === null) return { ...(await store(null)), replayed: false }

  const { userId } = request
  const fingerprint = await uploadFingerprint(request.sha256, request.fileName, request.private, request.metadata)
  const claim: IdempotencyClaim = { userId, key, claim: newId() }
  const now = Date.now()

  if (!(await claimKey(db, claim, fingerprint, now, now + IDEMPOTENCY_TTL_MS, now - STALE_CLAIM_MS))) {
    const row = await readKey(db, userId, key)
    if (!row) throw inUse()
    if (row.fingerprint !== fingerprint) {
      throw new ProblemError(422, 'idempotency-key-reused', 'This Idempotency-Key was already used for a different upload; use a new key for a new upload.')
    }
    // A private image's first answer holds signed URLs that expire: its replay is rebuilt, freshly signed.
    if (row.responseStatus === ANSWER_STATUS && row.responseBody !== null && !request.private) {
      const body = JSON.parse(row.responseBody) as T & { id: string }
      return { body, location: `/images/${body.id}`, replayed: true }
    }
    if (row.imageId) {
      const answer = await current(row.imageId)
      if (answer) return { ...answer, replayed: true }
    }
    throw inUse()
  }

  let answer: UploadAnswer<T>
  try {
    answer = await store(claim)
  } catch (err) {
    // Nothing was stored: free the key so the client's retry can run.
    await releaseClaim(db, claim).catch(() => {})
    throw err
  }
  // Best effort: without it a retry still finds the image through the link.
  await saveAnswer(db, claim, ANSWER_STATUS, JSON.stringify(answer.body)).catch((err) => log.error('idempotency.save_failed', { error: String(err) }))
  return { ...answer, replayed: false }
}

const inUse = () =>
  new ProblemError(409, 'idempotency-key-in-use', 'A request with this Idempotency-Key is still being processed; retry shortly.', { 'retry-after': '2' })
