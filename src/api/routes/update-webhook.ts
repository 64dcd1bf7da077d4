import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { updateEndpoint, type EndpointChange } from '../../store/d1/webhooks'
import { requireUser } from '../auth'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { checkEndpointUrl, EndpointIdParam, EndpointUrlSchema, EventTypesSchema, notFound, toEndpoint, WebhookEndpointSchema } from '../webhook-endpoint'

const UpdateWebhookRequest = z
  .object({
    url: EndpointUrlSchema.optional(),
    events: EventTypesSchema.optional(),
    enabled: z.boolean().optional().openapi({ description: 'true enables a disabled endpoint again (and forgets its failures); false stops deliveries.' }),
  })
  .strict()
  .openapi('UpdateWebhookRequest')

const route = createRoute({
  method: 'patch',
  path: '/webhooks/{id}',
  operationId: 'updateWebhook',
  summary: 'Change a webhook endpoint: URL, event types, or enable it again',
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { params: EndpointIdParam, body: { required: true, content: { 'application/json': { schema: UpdateWebhookRequest } } } },
  responses: {
    200: { description: 'The endpoint as it is now', headers: headers('Cache-Control'), content: { 'application/json': { schema: WebhookEndpointSchema } } },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    415: response('UnsupportedMediaType'),
    422: response('WebhookRefused'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const updateWebhook = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const body = c.req.valid('json')
  const change: EndpointChange = {}
  if (body.url !== undefined) change.url = checkEndpointUrl(c, body.url)
  if (body.events !== undefined) change.events = body.events
  if (body.enabled === true) Object.assign(change, { enabled: true, disabledReason: null, failingSince: null, lastError: null })
  if (body.enabled === false) Object.assign(change, { enabled: false, disabledReason: null })
  const row = await updateEndpoint(c.get('store'), c.get('userId'), id, change, Date.now())
  if (!row) throw notFound(id)
  return c.json(toEndpoint(row), 200, { 'cache-control': 'no-store' })
})
