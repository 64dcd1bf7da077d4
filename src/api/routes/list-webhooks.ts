import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { listEndpoints } from '../../store/d1/webhooks'
import { requireUser } from '../auth'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { toEndpoint, WebhookEndpointSchema } from '../webhook-endpoint'

const route = createRoute({
  method: 'get',
  path: '/webhooks',
  operationId: 'listWebhooks',
  summary: 'Your webhook endpoints, oldest first (at most 10)',
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  responses: {
    200: { description: 'The endpoints (never their secrets)', headers: headers('Cache-Control'), content: { 'application/json': { schema: z.object({ items: z.array(WebhookEndpointSchema) }) } } },
    401: response('Unauthorized'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const listWebhooks = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const rows = await listEndpoints(c.get('store'), c.get('userId'))
  return c.json({ items: rows.map(toEndpoint) }, 200, { 'cache-control': 'no-store' })
})
