/**
 * The webhook outbox's fan-out: an event written in D1 becomes one queue message per enabled
 * endpoint that listens for its type, then is marked dispatched. Run by whoever wrote the event,
 * right after its batch, and by the repair cron for any event a crash left behind; a crash between
 * sending and marking sends twice, which receivers absorb by the stable `webhook-id`.
 */
import { errorText, log } from '../lib/log'
import type { Store } from '.'
import { eventTargets, markDispatched } from './d1/webhooks'
import { sendWebhookMessages } from './queue'

export async function dispatchEvents(store: Store, eventIds: string[], now = Date.now()): Promise<number> {
  if (eventIds.length === 0) return 0
  const targets = await eventTargets(store, eventIds)
  await sendWebhookMessages(store, targets)
  await markDispatched(store, eventIds, now)
  return targets.length
}

/** After a batch that may have written events: a failure here is left to the repair cron, never to the caller. */
export async function dispatchQuietly(store: Store, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return
  try {
    await dispatchEvents(store, eventIds)
  } catch (err) {
    log.warn('webhook.dispatch_deferred', { events: eventIds, error: errorText(err) })
  }
}
