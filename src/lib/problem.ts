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

const TITLES: Record<string, string> = {
  'bad-request': 'Bad request',
  unauthorized: 'Unauthorized',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  'unprocessable-image': 'Unprocessable image',
  'range-not-satisfiable': 'Range not satisfiable',
  'idempotency-key-reused': 'Idempotency key reused',
  'idempotency-key-in-use': 'Idempotency key in use',
  'too-many-requests': 'Too many requests',
  internal: 'Internal server error',
  unavailable: 'Service unavailable',
}

export type ProblemKind = keyof typeof TITLES

export function problem(status: ContentfulStatusCode, kind: ProblemKind, detail: string, extra: Record<string, unknown> = {}): Response {
  const body: Problem = { type: `https://images.example/problems/${kind}`, title: TITLES[kind] ?? 'Error', status, detail, ...extra }
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
  toResponse(): Response {
    const res = problem(this.status, this.kind, this.message)
    for (const [k, v] of Object.entries(this.headers)) res.headers.set(k, v)
    return res
  }
}
