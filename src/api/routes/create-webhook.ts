import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { newId } from '../../lib/crypto'
import { ProblemError } from '../../lib/problem'
import { newWebhookSecret, WEBHOOK_EVENT_TYPES } from '../../lib/webhooks'
import { insertEndpoint, MAX_ENDPOINTS_PER_USER, readEndpoint } from '../../store/d1/webhooks'
import { requireUser } from '../auth'
import { baseUrl } from '../base-url'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { checkEndpointUrl, EndpointUrlSchema, EventTypesSchema, toEndpoint, WebhookEndpointSchema, WebhookSecretSchema } from '../webhook-endpoint'

const CreateWebhookRequest = z
  .object({
    url: EndpointUrlSchema,
    events: EventTypesSchema.default([...WEBHOOK_EVENT_TYPES]).openapi({ description: 'Event types to deliver (default: all).' }),
  })
  .strict()
  .openapi('CreateWebhookRequest')

const route = createRoute({
  method: 'post',
  path: '/webhooks',
  operationId: 'createWebhook',
  summary: 'Register a webhook endpoint; its signing secret is shown once',
  description: [
    'Events (`image.completed`, `image.failed`, `image.deleted`) are POSTed to the URL in the Standard Webhooks format: headers `webhook-id` (stable per event: deduplicate on it),',
    '`webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the secret), and a JSON body `{ type, timestamp, data }` whose `data` is the image as its owner sees it.',
    'A 2xx answer within 10 s is success; anything else is retried for about a day, then the endpoint is disabled.',
  ].join(' '),
  security: [{ bearer: [] }],
  middleware: [requireUser] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateWebhookRequest } } } },
  responses: {
    201: {
      description: 'The endpoint, with its secret',
      headers: headers('Cache-Control'),
      content: { 'application/json': { schema: WebhookEndpointSchema.extend({ secret: WebhookSecretSchema }).openapi('CreatedWebhookEndpoint') } },
    },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    415: response('UnsupportedMediaType'),
    422: response('WebhookRefused'),
    500: response('InternalError'),
  },
})

// Chained so the route's types reach `AppType`.
export const createWebhook = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const body = c.req.valid('json')
  const url = checkEndpointUrl(c, body.url)
  const store = c.get('store')
  const userId = c.get('userId')
  const now = Date.now()
  const secret = newWebhookSecret()
  const id = newId()
  const row = {
    id, userId, url, events: body.events, secret, previousSecret: null, previousSecretExpiresAt: null, baseUrl: baseUrl(c),
    enabled: true, disabledReason: null, failingSince: null, lastError: null, lastAttemptAt: null, lastSuccessAt: null, createdAt: now, updatedAt: now,
  }
  if (!(await insertEndpoint(store, row))) throw new ProblemError(422, 'webhook-limit', `You have ${MAX_ENDPOINTS_PER_USER} webhook endpoints, the most an account may have.`)
  const stored = (await readEndpoint(store, userId, id))!
  return c.json({ ...toEndpoint(stored), secret }, 201, { 'cache-control': 'no-store' })
})
