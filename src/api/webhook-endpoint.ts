/** A webhook endpoint as the API shows it to its owner, shared by the /webhooks routes. */
import { z } from '@hono/zod-openapi'
import { ProblemError } from '../lib/problem'
import { WEBHOOK_EVENT_TYPES, webhookUrlProblem } from '../lib/webhooks'
import type { WebhookEndpointRow } from '../store/d1/webhooks'
import type { Context } from 'hono'
import type { AppEnv } from './env'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const EventTypesSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .refine((types) => new Set(types).size === types.length, 'lists a type twice')
  .openapi({ description: `Event types to deliver: ${WEBHOOK_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}.`, example: ['image.completed', 'image.failed'] })

export const EndpointUrlSchema = z.string().max(2048).openapi({ description: 'Where events are POSTed: an https URL of a public host.', example: 'https://example.com/hooks/images' })

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean().openapi({ description: 'False once deliveries kept failing (see `disabledReason`) or the owner disabled it; enable it again with `PATCH`.' }),
    disabledReason: z.string().nullable().openapi({ description: 'Why the service disabled the endpoint; null when enabled or disabled by its owner.' }),
    failingSince: z.string().datetime().nullable().openapi({ description: 'First failed delivery since the last success; null while deliveries succeed. After 24 hours of failures the endpoint is disabled.' }),
    lastError: z.string().nullable(),
    lastAttemptAt: z.string().datetime().nullable(),
    lastSuccessAt: z.string().datetime().nullable(),
    previousSecretExpiresAt: z.string().datetime().nullable().openapi({ description: 'After a secret rotation, deliveries are signed with both secrets until then.' }),
    createdAt: z.string().datetime(),
  })
  .openapi('WebhookEndpoint')

export const WebhookSecretSchema = z.string().openapi({
  description: 'The signing secret (Standard Webhooks, `whsec_` + base64). Shown only in this answer: keep it to verify `webhook-signature`.',
  example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
})

export const toEndpoint = (row: WebhookEndpointRow): z.infer<typeof WebhookEndpointSchema> => ({
  id: row.id,
  url: row.url,
  events: row.events as z.infer<typeof WebhookEndpointSchema>['events'],
  enabled: row.enabled,
  disabledReason: row.disabledReason,
  failingSince: iso(row.failingSince),
  lastError: row.lastError,
  lastAttemptAt: iso(row.lastAttemptAt),
  lastSuccessAt: iso(row.lastSuccessAt),
  previousSecretExpiresAt: row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > Date.now() ? iso(row.previousSecretExpiresAt) : null,
  createdAt: iso(row.createdAt)!,
})

/** Refuses a URL the configuration does not allow (422), before anything is stored. */
export function checkEndpointUrl(c: Context<AppEnv>, url: string): string {
  const problem = webhookUrlProblem(url, c.get('config').webhookAllowPrivateUrls)
  if (problem) throw new ProblemError(422, 'webhook-url-refused', `The webhook URL ${problem}.`)
  return new URL(url).href
}

export const EndpointIdParam = z.object({ id: z.string().min(1).max(64) })

export const notFound = (id: string) => new ProblemError(404, 'not-found', `No webhook endpoint with id ${id}.`)
