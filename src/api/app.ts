import { OpenAPIHono, z } from '@hono/zod-openapi'
import { HTTPException } from 'hono/http-exception'
import { delivery } from '../delivery/route'
import { readConfig } from '../lib/config'
import { problem, ProblemError } from '../lib/problem'
import { cors } from './cors'
import type { AppEnv } from './env'
import { requestLog } from './log'
import { deleteImage } from './routes/delete-image'
import { getImage } from './routes/get-image'
import { imageEvents } from './routes/image-events'
import { listImages } from './routes/list-images'
import { upload } from './routes/upload'

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    // zod validation failures become problem JSON, like every other error.
    defaultHook: (result) => {
      if (!result.success) {
        const detail = result.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')
        return problem(400, 'bad-request', detail)
      }
    },
  })

  app.use(requestLog)
  app.use(async (c, next) => {
    c.set('config', readConfig(c.env))
    await next()
  })
  // Browser access to the API (not to /files, which <img> loads without CORS).
  app.use('/images', cors)
  app.use('/images/*', cors)

  // One chain, so `AppType` carries every route's types for `hc<AppType>`: add routes as `.route('/', x)` lines.
  const routes = app
    .route('/', upload)
    .route('/', getImage)
    .route('/', listImages)
    .route('/', deleteImage)
    .route('/', imageEvents)
    .route('/', delivery)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' })
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'The document', content: { 'application/json': { schema: z.object({}).passthrough() } } } },
  })
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Image service', version: '1.0.0' } })

  app.notFound((c) => problem(404, 'not-found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`))
  app.onError((err, c) => {
    if (err instanceof ProblemError) return err.toResponse()
    if (err instanceof HTTPException) return problem(err.status as 400, 'bad-request', err.message || 'The request was rejected.')
    console.error(JSON.stringify({ event: 'request.error', method: c.req.method, path: new URL(c.req.url).pathname, error: String(err), stack: err instanceof Error ? err.stack : undefined }))
    return problem(500, 'internal', 'Something went wrong on our side. Please retry.')
  })
  return routes
}

export const app = createApp()
export type AppType = typeof app
