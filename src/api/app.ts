import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ConfigError, readConfig } from '../lib/config'
import { log } from '../lib/log'
import { problem, ProblemError } from '../lib/problem'
import { openStore, type SessionStart } from '../store'
import { BOOKMARK_HEADER, isBookmark } from '../store/d1/session'
import { allowedMethods } from './allowed-methods'
import { baseUrl } from './base-url'
import { registerContract, response, withBookmarks } from './contract'
import { cors } from './cors'
import type { AppEnv } from './env'
import { requestLog } from './log'
import { createDirectUpload } from './routes/create-direct-upload'
import { deleteImage } from './routes/delete-image'
import { directUpload } from './routes/direct-upload'
import { files } from './routes/files'
import { getImage } from './routes/get-image'
import { imageEvents } from './routes/image-events'
import { listImages } from './routes/list-images'
import { problemTypes } from './routes/problem-types'
import { upload } from './routes/upload'
import { variantBest } from './routes/variant-best'
import { createWebhook } from './routes/create-webhook'
import { deleteWebhook } from './routes/delete-webhook'
import { getWebhook } from './routes/get-webhook'
import { listWebhooks } from './routes/list-webhooks'
import { rotateWebhookSecret } from './routes/rotate-webhook-secret'
import { updateWebhook } from './routes/update-webhook'

/**
 * Where a request's D1 session starts: after the caller's bookmark if it sent one (read-your-writes
 * across requests), else anywhere for reads (a nearby replica) and at the primary for writes.
 */
function sessionStart(c: Context<AppEnv>): SessionStart {
  const bookmark = c.req.header(BOOKMARK_HEADER)
  if (bookmark !== undefined) {
    if (!isBookmark(bookmark)) throw new ProblemError(400, 'bad-request', `${BOOKMARK_HEADER} is not a bookmark this service gave out.`)
    return bookmark
  }
  return c.req.method === 'GET' || c.req.method === 'HEAD' ? 'first-unconstrained' : 'first-primary'
}

/** Problem `type` URIs point at this service; the config may be unset if a request failed before it was read. */
const problemBase = (c: Context<AppEnv>) => (c.get('config') ? baseUrl(c) : new URL(c.req.url).origin)

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    // zod validation failures become problem JSON, like every other error.
    defaultHook: (result, c) => {
      if (!result.success) {
        const detail = result.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')
        return problem(problemBase(c), 400, 'bad-request', detail)
      }
    },
  })

  app.use(requestLog)
  app.use(async (c, next) => {
    // Throws ConfigError on a missing or malformed variable: every request fails loudly (onError).
    c.set('config', readConfig(c.env))
    c.set('store', openStore(c.env, sessionStart(c)))
    await next()
    // Every answer that touched D1 says where its session got to: sent back, it makes the next read
    // at least that fresh (read-your-writes with read replicas).
    const bookmark = c.get('store').bookmark()
    if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark)
  })
  // Browser access to the API (not to /files, which <img> loads without CORS). `/images/*` covers `/images` too.
  app.use('/images/*', cors)
  app.use('/direct-uploads/*', cors)

  // One chain, so `AppType` carries every route's types for `hc<AppType>`: add routes as `.route('/', x)` lines.
  const routes = app
    .route('/', upload)
    .route('/', createDirectUpload)
    .route('/', directUpload)
    .route('/', getImage)
    .route('/', listImages)
    .route('/', deleteImage)
    .route('/', imageEvents)
    .route('/', files)
    .route('/', variantBest)
    .route('/', createWebhook)
    .route('/', listWebhooks)
    .route('/', getWebhook)
    .route('/', updateWebhook)
    .route('/', deleteWebhook)
    .route('/', rotateWebhookSecret)
    .route('/', problemTypes)

  registerContract(app)
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    security: [],
    responses: {
      200: { description: 'The document', content: { 'application/json': { schema: z.object({}).passthrough() } } },
      500: response('InternalError'),
    },
  })
  app.get('/openapi.json', (c) => {
    const document = app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Image service',
        version: '1.0.0',
        description: [
          'Upload JPEG and PNG images; get their metadata and immutable, content-hashed file URLs of three resized variants.',
          'Errors are RFC 9457 problem details whose `type` is a page of this service.',
          'A method a path does not accept answers 405 with `Allow` (shared response `MethodNotAllowed`); a path that does not exist, 404.',
          'Operations under /images answer CORS preflights for the origins in `CORS_ALLOWED_ORIGINS`.',
          'Every answer that read or wrote metadata carries `X-D1-Bookmark`; send the latest one back on your next request to read at least what you wrote (read replicas).',
        ].join(' '),
      },
      servers: [{ url: baseUrl(c), description: 'This service' }],
    })
    return c.json(withBookmarks(document))
  })

  app.notFound((c) => {
    const base = problemBase(c)
    const path = new URL(c.req.url).pathname
    const allow = allowedMethods(app.routes, path)
    if (allow.length === 0) return problem(base, 404, 'not-found', `No route for ${c.req.method} ${path}.`)
    const res = problem(base, 405, 'method-not-allowed', `${path} does not accept ${c.req.method}; it accepts ${allow.join(', ')}.`)
    res.headers.set('allow', allow.join(', '))
    return res
  })
  app.onError((err, c) => {
    if (err instanceof ProblemError) return err.toResponse(problemBase(c))
    if (err instanceof ConfigError) {
      log.error('config.invalid', { error: err.message })
      return problem(problemBase(c), 500, 'internal', err.message)
    }
    if (err instanceof HTTPException) return problem(problemBase(c), err.status as 400, 'bad-request', err.message || 'The request was rejected.')
    log.error('request.error', { method: c.req.method, path: new URL(c.req.url).pathname, error: String(err), stack: err instanceof Error ? err.stack : undefined })
    return problem(problemBase(c), 500, 'internal', 'Something went wrong on our side. Please retry.')
  })
  return routes
}

export const app = createApp()
export type AppType = typeof app
