import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { deleteEndpoint } from '../../store/d1/webhooks'
import { requireUser } from '../auth'
import { response } from '../contract'
import type { AppEnv } from '../env'
import { EndpointIdParam, notFound } from '../webhook-endpoint'

const route = createRoute({
  method: 'delete',
  path: '/webhooks/{id}',
  operationId: 'deleteWebhook',
  summary: 'Delete a webhook endpoint; deliveries still queued for it are dropped',
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { params: EndpointIdParam },
  responses: {
    204: { description: 'Deleted' },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const deleteWebhook = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  if (!(await deleteEndpoint(c.get('store'), c.get('userId'), id))) throw notFound(id)
  return c.body(null, 204)
})
