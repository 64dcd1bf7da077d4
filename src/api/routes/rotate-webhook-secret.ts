import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { newWebhookSecret } from '../../lib/webhooks'
import { readEndpoint, updateEndpoint } from '../../store/d1/webhooks'
import { requireUser } from '../auth'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { EndpointIdParam, notFound, toEndpoint, WebhookEndpointSchema, WebhookSecretSchema } from '../webhook-endpoint'

export const ROTATION_GRACE = { default: 24 * 3600, max: 7 * 24 * 3600 } as const

const RotateRequest = z
  .object({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(ROTATION_GRACE.max)
      .default(ROTATION_GRACE.default)
      .openapi({ description: `How long deliveries stay signed with the old secret too (default ${ROTATION_GRACE.default} s, at most ${ROTATION_GRACE.max}); 0 drops it now.` }),
  })
  .strict()
  .openapi('RotateWebhookSecretRequest')

const route = createRoute({
  method: 'post',
  path: '/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  summary: 'A new signing secret; the old one keeps signing for a grace period',
  description: 'During the grace period `webhook-signature` carries two signatures (`v1,<new> v1,<old>`), so receivers can switch to the new secret whenever they are ready.',
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { params: EndpointIdParam, body: { required: false, content: { 'application/json': { schema: RotateRequest } } } },
  responses: {
    200: {
      description: 'The endpoint, with its new secret',
      headers: headers('Cache-Control'),
      content: { 'application/json': { schema: WebhookEndpointSchema.extend({ secret: WebhookSecretSchema }).openapi('RotatedWebhookEndpoint') } },
    },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    415: response('UnsupportedMediaType'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const rotateWebhookSecret = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  // No body at all means the default grace period.
  const { gracePeriodSeconds } = c.req.header('content-type') ? c.req.valid('json') : RotateRequest.parse({})
  const store = c.get('store')
  const userId = c.get('userId')
  const current = await readEndpoint(store, userId, id)
  if (!current) throw notFound(id)
  const now = Date.now()
  const secret = newWebhookSecret()
  const keepOld = gracePeriodSeconds > 0
  const row = await updateEndpoint(store, userId, id, { secret, previousSecret: keepOld ? current.secret : null, previousSecretExpiresAt: keepOld ? now + gracePeriodSeconds * 1000 : null }, now)
  if (!row) throw notFound(id)
  return c.json({ ...toEndpoint(row), secret }, 200, { 'cache-control': 'no-store' })
})
