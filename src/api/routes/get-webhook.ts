import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { readEndpoint } from '../../store/d1/webhooks'
import { requireUser } from '../auth'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { EndpointIdParam, notFound, toEndpoint, WebhookEndpointSchema } from '../webhook-endpoint'

const route = createRoute({
  method: 'get',
  path: '/webhooks/{id}',
  operationId: 'getWebhook',
  summary: "A webhook endpoint: its state, last error, and why it was disabled",
  description: "Someone else's endpoint answers 404 like an unknown id.",
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { params: EndpointIdParam },
  responses: {
    200: { description: 'The endpoint (never its secret)', headers: headers('Cache-Control'), content: { 'application/json': { schema: WebhookEndpointSchema } } },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const getWebhook = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const row = await readEndpoint(c.get('store'), c.get('userId'), id)
  if (!row) throw notFound(id)
  return c.json(toEndpoint(row), 200, { 'cache-control': 'no-store' })
})
