import { OpenAPIHono } from '@hono/zod-openapi'
import { HTTPException } from 'hono/http-exception'
import { delivery } from '../delivery/route'
import { readConfig } from '../lib/config'
import { problem, ProblemError } from '../lib/problem'
import type { AppEnv } from './env'
import { getImage } from './routes/get-image'
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

  app.use(async (c, next) => {
    c.set('config', readConfig(c.env))
    await next()
  })

  app.route('/', upload)
  app.route('/', getImage)
  app.route('/', delivery)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' })
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Image service', version: '1.0.0' } })

  app.notFound((c) => problem(404, 'not-found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`))
  app.onError((err, c) => {
    if (err instanceof ProblemError) return err.toResponse()
    if (err instanceof HTTPException) return problem(err.status as 400, 'bad-request', err.message || 'The request was rejected.')
    console.error(JSON.stringify({ event: 'request.error', method: c.req.method, path: new URL(c.req.url).pathname, error: String(err), stack: err instanceof Error ? err.stack : undefined }))
    return problem(500, 'internal', 'Something went wrong on our side. Please retry.')
  })
  return app
}

export const app = createApp()
export type AppType = typeof app
