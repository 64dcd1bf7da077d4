import { z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from './env'

/**
 * The parts of /openapi.json that many operations share: the Problem schema,
 * response headers and the error responses. Routes refer to them with
 * `header(...)` and `response(...)`, so each is defined once.
 */

export const ProblemSchema = z
  .object({
    type: z.string().url().openapi({ description: 'Kind of problem; a page the service serves explains it (`GET /problems/{kind}`).' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' })

const string = (description: string, extra: Record<string, unknown> = {}) => ({ description, schema: { type: 'string' as const, ...extra } })

const HEADERS = {
  'Cache-Control': string("`no-store` for anything that changes; files are `public, max-age=31536000, immutable` (a private image's, through a signed URL: `private, max-age=<seconds until exp>`); a missing file `public, max-age=60`."),
  Vary: string('`Origin` on /images paths: their CORS headers depend on the Origin of the request; `Accept` on a variant\'s negotiated URL.', { example: 'Origin' }),
  'Content-Location': { ...string('The immutable URL of the file sent (the chosen format).', { format: 'uri-reference' }), required: true },
  'Access-Control-Allow-Origin': string('The Origin of the request, when it is in `CORS_ALLOWED_ORIGINS` (/images paths only).'),
  'Access-Control-Expose-Headers': string('Headers a browser page may read (/images paths, allowed origins only).', { example: 'Location, Retry-After' }),
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' as const, minimum: 0 } },
  'WWW-Authenticate': { ...string('The scheme to authenticate with.', { example: 'Bearer realm="images"' }), required: true },
  Location: { ...string("The image's metadata URL.", { format: 'uri-reference', example: '/images/6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }), required: true },
  'Idempotent-Replayed': string('`true` when this is the stored answer to an earlier request with the same Idempotency-Key.', { enum: ['true'] }),
  ETag: { ...string('Strong validator of the file; send it back in If-None-Match or If-Range.'), required: true },
  'Content-Range': { ...string('The bytes sent (`bytes 0-99/5000`), or the size when no range could be served (`bytes */5000`).'), required: true },
  'Accept-Ranges': string('Single byte ranges are served.', { enum: ['bytes'] }),
  Age: { description: 'Seconds the answer has spent in the edge cache (answers from the cache only).', schema: { type: 'integer' as const, minimum: 0 } },
  'CF-Cache-Status': string('`HIT` when the edge cache answered (answers from the cache only).', { example: 'HIT' }),
  'Content-Length': { description: 'Size of the body in bytes (HEAD: of the body a GET would send).', schema: { type: 'integer' as const, minimum: 0 } },
  'X-Content-Type-Options': string('Keeps browsers from sniffing a file as another type.', { enum: ['nosniff'] }),
  'Content-Security-Policy': string('Keeps a file or page from running anything.'),
  Allow: { ...string('The methods the path accepts.', { example: 'GET, HEAD, DELETE' }), required: true },
  'X-D1-Bookmark': string("Where this answer's D1 session got to (absent if it touched no metadata). Send the latest you have back in the `X-D1-Bookmark` request header: that request reads at least this fresh a copy of the metadata, so you always see your own writes.", { example: '00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683' }),
} as const

export type HeaderName = keyof typeof HEADERS

const refName = (name: string) => name.replace(/-/g, '')

/** Response headers by reference to `components.headers`. */
export const headers = (...names: HeaderName[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${refName(n)}` }]))

/** What every answer on /images paths carries (CORS). */
export const CORS_HEADERS = ['Vary', 'Access-Control-Allow-Origin', 'Access-Control-Expose-Headers'] as const satisfies HeaderName[]

const problemResponse = (description: string, ...extra: HeaderName[]) => ({
  description,
  headers: headers('Cache-Control', ...CORS_HEADERS, ...extra),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
})

const RESPONSES = {
  BadRequest: problemResponse('Malformed parameter, header or form (see `detail`).'),
  Unauthorized: problemResponse('Missing, malformed, unknown or revoked token.', 'WWW-Authenticate'),
  Forbidden: problemResponse("A private image's file without a valid signature: `exp` and `sig` missing, malformed, expired or not ours."),
  NotFound: problemResponse('No such resource (or not yours).'),
  Gone: problemResponse('The direct-upload URL was already used, or it expired.'),
  MethodNotAllowed: problemResponse('The path exists, but not with this method; `Allow` lists the methods it accepts.', 'Allow'),
  Conflict: problemResponse('A request with the same Idempotency-Key (or the same direct-upload URL) is still running; retry after `Retry-After` seconds.', 'Retry-After'),
  PayloadTooLarge: problemResponse('File over the size limit.'),
  UnsupportedMediaType: problemResponse('Not multipart/form-data, or the file is not a JPEG or PNG.'),
  RangeNotSatisfiable: problemResponse('The range lies outside the file; `Content-Range` gives its size.', 'Content-Range'),
  UnprocessableContent: problemResponse('Unreadable image header, empty file, over the pixel cap, a decode that would not fit the memory or CPU budget, or an Idempotency-Key reused for a different upload.'),
  TooManyRequests: problemResponse('Over the per-user upload rate limit.', 'Retry-After'),
  WebhookRefused: problemResponse('The webhook URL is refused (not https, or a loopback, private or internal address), or the account already has the most endpoints it may have.'),
  InternalError: problemResponse('Unexpected failure on our side (logged); retrying is safe.'),
  ServiceUnavailable: problemResponse('Storage failed and nothing was kept; retry after `Retry-After` seconds.', 'Retry-After'),
}

export type ResponseName = keyof typeof RESPONSES

type Doc = { paths?: Record<string, Record<string, any>>; components?: Record<string, Record<string, any>> }

/**
 * Every operation takes the optional `X-D1-Bookmark` request header and every answer may carry it
 * (api/app.ts sets it on any response that touched D1): added to the generated document in one
 * place rather than to each route.
 */
export function withBookmarks<T>(document: T): T {
  const doc = document as Doc
  const header = { $ref: `#/components/headers/${refName('X-D1-Bookmark')}` }
  const addTo = (res: any) => {
    if (!res || res.$ref) return
    res.headers = { ...res.headers, 'X-D1-Bookmark': header }
  }
  doc.components ??= {}
  doc.components.parameters = {
    ...doc.components.parameters,
    D1Bookmark: { name: 'X-D1-Bookmark', in: 'header', required: false, description: 'The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata.', schema: { type: 'string', maxLength: 600 } },
  }
  for (const res of Object.values(doc.components.responses ?? {})) addTo(res)
  for (const item of Object.values(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue
      op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/D1Bookmark' }]
      for (const res of Object.values(op.responses ?? {})) addTo(res)
    }
  }
  return document
}

/** A shared error response by reference to `components.responses`. */
export const response = (name: ResponseName) => ({ $ref: `#/components/responses/${name}` })

/** Registers the shared definitions on the app whose registry becomes /openapi.json. */
export function registerContract(app: OpenAPIHono<AppEnv>) {
  const registry = app.openAPIRegistry
  registry.register('Problem', ProblemSchema)
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' })
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent('headers', refName(name), header)
  for (const [name, res] of Object.entries(RESPONSES)) registry.registerComponent('responses', name, res)
}
