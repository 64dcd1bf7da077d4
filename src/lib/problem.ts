import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** RFC 9457 problem details. `type` is a stable URI per kind of problem. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  [extension: string]: unknown
}

/** Every kind of problem the service answers with: its title, and what a client should do (served at `/problems/<kind>`). */
export const PROBLEM_KINDS = {
  'bad-request': { title: 'Bad request', explanation: 'A parameter, header or the form is malformed: an id longer than 64 characters, a page size outside 1..100, a cursor this API did not return, an invalid Idempotency-Key, or a multipart body without exactly one `file`. Fix the request; retrying it unchanged fails again.' },
  unauthorized: { title: 'Unauthorized', explanation: 'The operation needs `Authorization: Bearer <token>`, and the token was missing, malformed, unknown or revoked. Ask the operator for a token (`npm run user:create`).' },
  forbidden: { title: 'Forbidden', explanation: "The file belongs to a private image and needs a signed URL: `exp` and `sig` query parameters from the owner's image metadata. The signature was missing, malformed, expired or made for another path or key. Read the image metadata again (as its owner) for fresh URLs." },
  'upload-url-used': { title: 'Upload URL already used', explanation: 'A direct-upload URL takes exactly one image. Ask the owner for a new one (`POST /images/direct-uploads`).' },
  'upload-url-expired': { title: 'Upload URL expired', explanation: 'A direct-upload URL works until its `expiresAt` (2 minutes to 6 hours after it was made). Ask the owner for a new one.' },
  'upload-url-in-use': { title: 'Upload URL in use', explanation: 'Another upload through this direct-upload URL is still running. If it fails, the URL can be used again: retry after `Retry-After` seconds.' },
  'webhook-url-refused': { title: 'Webhook URL refused', explanation: 'A webhook endpoint must be an absolute https URL of a public host, without credentials or a fragment: not localhost, a bare name, or a loopback, private, link-local or other internal address. Register a URL the internet can reach.' },
  'webhook-limit': { title: 'Too many webhook endpoints', explanation: 'An account has at most 10 webhook endpoints. Delete one you no longer use (`DELETE /webhooks/{id}`), or send several event types to one endpoint.' },
  'not-found': { title: 'Not found', explanation: "No such image, file or route. Someone else's image answers this too, so ids are never confirmed. A variant file appears once the variant is made: follow the URLs in the image metadata." },
  'method-not-allowed': { title: 'Method not allowed', explanation: 'The path exists, but not with this method. The `Allow` header lists the methods it accepts.' },
  'payload-too-large': { title: 'Payload too large', explanation: 'The uploaded file is over the size limit (5 MB unless configured otherwise). Nothing was stored.' },
  'unsupported-media-type': { title: 'Unsupported media type', explanation: 'Uploads are `multipart/form-data` with a `file` field holding a JPEG or a PNG; the type is read from the bytes, not from the name or the declared type. Nothing was stored.' },
  'unprocessable-image': { title: 'Unprocessable image', explanation: 'The file looks like a JPEG or PNG but its header cannot be read, it is empty, or it has more pixels than the limit (lower for progressive JPEGs). Nothing was stored.' },
  'range-not-satisfiable': { title: 'Range not satisfiable', explanation: 'The `Range` header asks for bytes outside the file. `Content-Range: bytes */<size>` gives the size; ask again within it, or without `Range`.' },
  'idempotency-key-reused': { title: 'Idempotency key reused', explanation: 'This Idempotency-Key was already used (by you, within 24 hours) for a different upload. Use a new key for a new upload.' },
  'idempotency-key-in-use': { title: 'Idempotency key in use', explanation: 'An upload with this Idempotency-Key is still running. Retry after `Retry-After` seconds with the same key to get its answer.' },
  'too-many-requests': { title: 'Too many requests', explanation: 'You are over the per-user upload rate limit. Retry after `Retry-After` seconds.' },
  internal: { title: 'Internal server error', explanation: 'Something went wrong on our side; it is logged. Retrying is safe (with the same Idempotency-Key for an upload).' },
  unavailable: { title: 'Service unavailable', explanation: 'Storage (or the upload rate limiter) failed for a moment and nothing was kept. Retry after `Retry-After` seconds (with the same Idempotency-Key for an upload).' },
} as const satisfies Record<string, { title: string; explanation: string }>

export type ProblemKind = keyof typeof PROBLEM_KINDS

export const isProblemKind = (kind: string): kind is ProblemKind => Object.hasOwn(PROBLEM_KINDS, kind)

/** The `type` of a kind: a page the service itself serves, so the URI resolves. */
export const problemType = (base: string, kind: ProblemKind) => `${base}/problems/${kind}`

/** A problem answer; `base` is the service's public origin (see `baseUrl`). */
export function problem(base: string, status: ContentfulStatusCode, kind: ProblemKind, detail: string, extra: Record<string, unknown> = {}): Response {
  const body: Problem = { type: problemType(base, kind), title: PROBLEM_KINDS[kind].title, status, detail, ...extra }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  })
}

/** Thrown from deep inside a handler; the app's error handler turns it into a problem response. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly kind: ProblemKind,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
  toResponse(base: string): Response {
    const res = problem(base, this.status, this.kind, this.message)
    for (const [k, v] of Object.entries(this.headers)) res.headers.set(k, v)
    return res
  }
}
