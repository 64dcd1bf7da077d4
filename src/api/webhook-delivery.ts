/**
 * The webhook queue's consumer (API Worker): one message = one event to one endpoint. Each attempt
 * builds the body (for image.completed/failed, the owner's metadata of the image, URLs on the
 * endpoint's base; signed URLs for a private image), signs it in the Standard Webhooks format with
 * the endpoint's secret (and the previous one during a rotation), and POSTs it. A 2xx answer is
 * success; anything else is retried with growing delays, then dead-lettered. An endpoint that
 * fails for a day without a single success, or answers 410 Gone, is disabled with the reason.
 */
import { readConfig, type Config } from '../lib/config'
import { errorText, log } from '../lib/log'
import { webhookHeaders } from '../lib/webhooks'
import { openStore, type Store } from '../store'
import { loadImage } from '../store/d1/images'
import { readEndpointById, readEvent, recordDeliveryFailure, recordDeliverySuccess, type WebhookEndpointRow, type WebhookEventRow } from '../store/d1/webhooks'
import { WebhookMessage } from '../store/queue'
import { describe } from './describe'

/** Delay before retry n (1-based), seconds: Standard Webhooks' suggested schedule; wrangler.toml's max_retries is its length. */
export const RETRY_DELAYS_S = [5, 300, 1800, 7200, 18000, 36000, 36000] as const

/** An endpoint failing this long without one success is disabled. */
export const DISABLE_AFTER_MS = 24 * 3600 * 1000

/** How long a receiver may take to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000

const USER_AGENT = 'image-service-webhooks/1'

export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const store = openStore(env)
  const config = readConfig(env)
  // Deliveries wait on receivers, not on CPU: a batch's run side by side.
  await Promise.all(batch.messages.map((msg) => deliverOne(store, config, msg)))
  // The batch's D1 cost, for the write budget (docs/capacity.md).
  log.info('webhook.batch', { messages: batch.messages.length, d1: store.usage })
}

/** Deliveries that exhausted their retries: the endpoint says so (and may be disabled); the event stays for the owner to see. */
export async function processWebhookDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const store = openStore(env)
  for (const msg of batch.messages) {
    const parsed = WebhookMessage.safeParse(msg.body)
    if (parsed.success) {
      const endpoint = await readEndpointById(store, parsed.data.endpointId)
      if (endpoint) {
        const reason = `Event ${parsed.data.eventId} was not delivered after ${RETRY_DELAYS_S.length + 1} attempts; the last: ${endpoint.lastError ?? 'unknown'}`
        await recordDeliveryFailure(store, endpoint.id, Date.now(), reason.slice(0, 500), (since) => disableReason(null, since, Date.now(), reason))
      }
      log.warn('webhook.dead_letter', { ...parsed.data })
    }
    msg.ack()
  }
}

/** Why an endpoint is disabled after this failure, or null to keep trying. */
export function disableReason(status: number | null, failingSince: number, now: number, lastError: string): string | null {
  if (status === 410) return 'The endpoint answered 410 Gone, which says it no longer wants deliveries.'
  if (now - failingSince >= DISABLE_AFTER_MS) {
    return `Every delivery failed for over ${DISABLE_AFTER_MS / 3600_000} hours (since ${new Date(failingSince).toISOString()}); the last: ${lastError}`
  }
  return null
}

async function deliverOne(store: Store, config: Config, msg: Message<unknown>): Promise<void> {
  const parsed = WebhookMessage.safeParse(msg.body)
  if (!parsed.success) {
    log.warn('webhook.bad_message', { id: msg.id })
    return msg.ack()
  }
  const { eventId, endpointId } = parsed.data
  try {
    const [event, endpoint] = await Promise.all([readEvent(store, eventId), readEndpointById(store, endpointId)])
    // Deleted or disabled since: nothing to send (a re-enabled endpoint gets later events).
    if (!event || !endpoint || !endpoint.enabled) {
      log.info('webhook.skipped', { eventId, endpointId, reason: !event ? 'event gone' : !endpoint ? 'endpoint deleted' : 'endpoint disabled' })
      return msg.ack()
    }
    const body = await eventBody(store, config, event, endpoint)
    if (body === null) {
      // The image was deleted before its event went out; its image.deleted event says so.
      log.info('webhook.skipped', { eventId, endpointId, reason: 'image deleted' })
      return msg.ack()
    }
    const now = Date.now()
    const { status, error } = await post(endpoint, event.id, body, now)
    if (error === null) {
      await recordDeliverySuccess(store, endpoint.id, now)
      log.info('webhook.delivered', { eventId, endpointId, type: event.type, status, attempts: msg.attempts })
      return msg.ack()
    }
    const disabled = await recordDeliveryFailure(store, endpoint.id, now, error, (since) => disableReason(status, since, now, error))
    if (disabled) {
      log.warn('webhook.disabled', { endpointId, reason: disabled })
      return msg.ack()
    }
    log.warn('webhook.attempt_failed', { eventId, endpointId, attempts: msg.attempts, error })
    msg.retry({ delaySeconds: retryDelay(msg.attempts) })
  } catch (err) {
    // D1 or the body failed, not the receiver: retry, and say so.
    log.warn('webhook.attempt_failed', { eventId, endpointId, attempts: msg.attempts, error: errorText(err) })
    msg.retry({ delaySeconds: retryDelay(msg.attempts) })
  }
}

export const retryDelay = (attempts: number) => RETRY_DELAYS_S[Math.min(Math.max(1, attempts), RETRY_DELAYS_S.length) - 1]!

/** The JSON body: Standard Webhooks' `{ type, timestamp, data }`; null when its image is gone. */
async function eventBody(store: Store, config: Config, event: WebhookEventRow, endpoint: WebhookEndpointRow): Promise<string | null> {
  const timestamp = new Date(event.createdAt).toISOString()
  if (event.payload) return JSON.stringify({ type: event.type, timestamp, data: event.payload })
  const found = await loadImage(store, event.imageId)
  if (!found) return null
  return JSON.stringify({ type: event.type, timestamp, data: await describe(found, 'owner', endpoint.baseUrl, config) })
}

/** One attempt; `error` null on a 2xx answer. Redirects are not followed: the registered URL is the one checked. */
async function post(endpoint: WebhookEndpointRow, id: string, body: string, now: number): Promise<{ status: number | null; error: string | null }> {
  const secrets = [endpoint.secret]
  if (endpoint.previousSecret && (endpoint.previousSecretExpiresAt ?? 0) > now) secrets.push(endpoint.previousSecret)
  const headers = { ...(await webhookHeaders(secrets, id, Math.floor(now / 1000), body)), 'user-agent': USER_AGENT }
  try {
    const res = await fetch(endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) })
    await res.body?.cancel()
    if (res.status >= 200 && res.status < 300) return { status: res.status, error: null }
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed; register the final URL)' : ''
    return { status: res.status, error: `HTTP ${res.status} from the endpoint${redirect}` }
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    return { status: null, error: timedOut ? `No answer within ${DELIVERY_TIMEOUT_MS / 1000} s` : `Could not reach the endpoint: ${errorText(err)}` }
  }
}
