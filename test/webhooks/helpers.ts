/** Driving webhook deliveries by hand, against the real receiver of receiver.ts. */
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect, inject } from 'vitest'
import worker from '../../src/index'
import { call, captureQueue } from '../helpers'
import { bearer } from '../routes/auth'

export const receiver = () => inject('webhookReceiver')

/** A fresh path on the receiver, so tests never see each other's deliveries. */
export const receiverUrl = (query = '') => `${receiver()}/${crypto.randomUUID()}${query}`

export interface Received {
  headers: Record<string, string>
  body: string
}
export const receivedAt = async (url: string): Promise<Received[]> => (await fetch(new URL(url).origin + new URL(url).pathname)).json()

/** Records every message sent to the webhook queue (which nobody consumes in tests), while still sending it. */
export const captureWebhooks = () => captureQueue(env.WEBHOOK_QUEUE)

let seq = 0
/** Runs the API Worker's queue handler on a batch of webhook messages, as the Queues runtime would. */
export async function runWebhookQueue(bodies: unknown[], attempts = 1, queue = 'image-webhooks'): Promise<QueueResult> {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: `w${++seq}`, timestamp: new Date(), attempts, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

export async function registerEndpoint(token: string, body: Record<string, unknown>) {
  const res = await call('/webhooks', { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(res.status, await res.clone().text()).toBe(201)
  return res.json<{ id: string; secret: string; url: string; events: string[]; enabled: boolean }>()
}

/** The Standard Webhooks signature, computed here independently of src/lib/webhooks.ts. */
export async function expectedSignature(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)))
  return 'v1,' + btoa(String.fromCharCode(...mac))
}
