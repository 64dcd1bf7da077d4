/**
 * Webhook events end to end inside workerd: the processor's result writes the event, fans it out to
 * the queue, and the API Worker's consumer delivers it, signed, to a real HTTP receiver
 * (receiver.ts); retries after a receiver failure keep the event id; endpoints that keep failing
 * are disabled with a reason; rotation signs with both secrets; the cron sends what a crash left.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DISABLE_AFTER_MS, RETRY_DELAYS_S } from '../../src/api/webhook-delivery'
import { runRepairCron, UNDISPATCHED_AFTER_MS } from '../../src/repair/cron'
import { fixture } from '../fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { bearer, type User } from '../routes/auth'
import { captureWebhooks, expectedSignature, receivedAt, receiverUrl, registerEndpoint, runWebhookQueue } from './helpers'

let owner: User
beforeAll(async () => (owner = await createUser('webhook-owner')))
const variants = captureQueue()
const webhooks = captureWebhooks()
afterEach(() => {
  variants.take()
  webhooks.take()
})

const small = () => fixture('pngsuite/basn2c08.png')

/** Uploads and runs the processor on exactly what the upload queued; returns the image id. */
async function uploadAndProcess(user: User, bytes: Uint8Array, form: Record<string, string> = {}) {
  const req = uploadRequest(user.token, bytes, { name: 'p.png' })
  const body = await req.formData()
  for (const [k, v] of Object.entries(form)) body.append(k, v)
  const res = await call(new Request(req.url, { method: 'POST', headers: req.headers.has('authorization') ? { authorization: req.headers.get('authorization')! } : {}, body }))
  expect(res.status).toBe(202)
  const { id } = await res.json<{ id: string }>()
  await runQueue(variants.take())
  return id
}

describe('delivery', () => {
  it('delivers image.completed once the last variant is made: signed, with the owner\'s metadata and the variants\' URLs', async () => {
    const url = receiverUrl()
    const endpoint = await registerEndpoint(owner.token, { url })
    const id = await uploadAndProcess(owner, small(), { metadata: JSON.stringify({ order: 42 }) })

    // One message: one event to the one endpoint.
    const messages = webhooks.take() as { eventId: string; endpointId: string }[]
    expect(messages).toEqual([{ eventId: expect.stringMatching(/^msg_[0-9a-f]{32}$/), endpointId: endpoint.id }])
    const result = await runWebhookQueue(messages)
    expect(result.explicitAcks).toHaveLength(1)
    expect(result.retryMessages).toEqual([])

    const [got, ...more] = await receivedAt(url)
    expect(more).toEqual([])
    expect(got!.headers['webhook-id']).toBe(messages[0]!.eventId)
    expect(got!.headers['content-type']).toBe('application/json')
    const ts = got!.headers['webhook-timestamp']!
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60)
    expect(got!.headers['webhook-signature']).toBe(await expectedSignature(endpoint.secret, messages[0]!.eventId, ts, got!.body))

    const event = JSON.parse(got!.body)
    expect(event).toMatchObject({ type: 'image.completed', timestamp: expect.any(String), data: { id, status: 'completed', metadata: { order: 42 }, userId: owner.userId } })
    expect(event.data.variants).toHaveLength(3)
    for (const v of event.data.variants) {
      expect(v.status).toBe('completed')
      // The URLs work: the same the owner's metadata gives.
      const file = await call(new Request(v.url))
      expect(file.status).toBe(200)
      await file.arrayBuffer()
    }
    const meta = await (await call(`/images/${id}`, { headers: bearer(owner.token) })).json<any>()
    expect(event.data.variants.map((v: any) => v.url)).toEqual(meta.variants.map((v: any) => v.url))

    // The endpoint shows the success.
    const state = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(owner.token) })).json<any>()
    expect(state).toMatchObject({ enabled: true, lastError: null, failingSince: null, lastSuccessAt: expect.any(String) })
  })

  it('delivers image.failed for an image that cannot be decoded, with the reason', async () => {
    const user = await createUser('webhook-failed')
    const url = receiverUrl()
    await registerEndpoint(user.token, { url, events: ['image.failed'] })
    const id = await uploadAndProcess(user, fixture('hostile/png-bad-idat-crc.png'))
    await runWebhookQueue(webhooks.take())
    const [got] = await receivedAt(url)
    expect(JSON.parse(got!.body)).toMatchObject({ type: 'image.failed', data: { id, status: 'failed', error: expect.any(String) } })
  })

  it('delivers image.deleted with the id and custom metadata, after the image is gone', async () => {
    const user = await createUser('webhook-deleted')
    const url = receiverUrl()
    await registerEndpoint(user.token, { url, events: ['image.deleted'] })
    const id = await uploadAndProcess(user, small(), { metadata: JSON.stringify({ sku: 'A1' }) })
    // Not subscribed to image.completed: nothing was written or sent for it.
    expect(webhooks.take()).toEqual([])
    const res = await call(`/images/${id}`, { method: 'DELETE', headers: bearer(user.token) })
    expect(res.status).toBe(204)
    await runWebhookQueue(webhooks.take())
    const [got] = await receivedAt(url)
    expect(JSON.parse(got!.body)).toMatchObject({ type: 'image.deleted', data: { id, metadata: { sku: 'A1' }, deletedAt: expect.any(String) } })
  })

  it('writes no event at all for an owner without endpoints', async () => {
    const user = await createUser('no-webhooks')
    const id = await uploadAndProcess(user, small())
    expect(webhooks.sent).toEqual([])
    const events = await env.DB.prepare('SELECT COUNT(*) AS n FROM webhook_events WHERE image_id = ?').bind(id).first<number>('n')
    expect(events).toBe(0)
  })

  it('sends each event to every endpoint that listens for its type, and to no one else\'s', async () => {
    const user = await createUser('two-endpoints')
    const [a, b, c] = [receiverUrl(), receiverUrl(), receiverUrl()]
    await registerEndpoint(user.token, { url: a })
    await registerEndpoint(user.token, { url: b, events: ['image.completed'] })
    await registerEndpoint(user.token, { url: c, events: ['image.deleted'] })
    const stranger = receiverUrl()
    await registerEndpoint(owner.token, { url: stranger })
    await uploadAndProcess(user, small())
    const messages = webhooks.take()
    expect(messages).toHaveLength(2)
    await runWebhookQueue(messages)
    expect(await receivedAt(a)).toHaveLength(1)
    expect(await receivedAt(b)).toHaveLength(1)
    expect(await receivedAt(c)).toHaveLength(0)
    expect(await receivedAt(stranger)).toHaveLength(0)
  })
})

describe('retries', () => {
  it('retries after a receiver failure, then delivers the same event id and body', async () => {
    const user = await createUser('webhook-retry')
    const url = receiverUrl('?fail=2')
    const endpoint = await registerEndpoint(user.token, { url })
    await uploadAndProcess(user, small())
    const messages = webhooks.take()

    const first = await runWebhookQueue(messages, 1)
    expect(first.retryMessages).toHaveLength(1)
    const failing = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(user.token) })).json<any>()
    expect(failing).toMatchObject({ enabled: true, lastError: 'HTTP 500 from the endpoint', failingSince: expect.any(String), lastSuccessAt: null })

    const second = await runWebhookQueue(messages, 2)
    expect(second.retryMessages).toHaveLength(1)
    const third = await runWebhookQueue(messages, 3)
    expect(third.retryMessages).toEqual([])
    expect(third.explicitAcks).toHaveLength(1)

    const got = await receivedAt(url)
    expect(got).toHaveLength(3)
    expect(new Set(got.map((g) => g.headers['webhook-id'])).size).toBe(1)
    expect(new Set(got.map((g) => g.body)).size).toBe(1)
    const healed = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(user.token) })).json<any>()
    expect(healed).toMatchObject({ enabled: true, lastError: null, failingSince: null, lastSuccessAt: expect.any(String) })
  })

  it('treats an unreachable receiver as a failure to retry, not a crash', async () => {
    const user = await createUser('webhook-unreachable')
    // A name that never resolves (.invalid is reserved, RFC 6761).
    const endpoint = await registerEndpoint(user.token, { url: 'http://receiver.invalid/hook' })
    await uploadAndProcess(user, small())
    const result = await runWebhookQueue(webhooks.take())
    expect(result.retryMessages).toHaveLength(1)
    const state = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(user.token) })).json<any>()
    expect(state.lastError).toMatch(/^Could not reach the endpoint/)
  })

  it('disables an endpoint that failed for a day without one success, and says why; PATCH enables it again', async () => {
    const user = await createUser('webhook-disable')
    const url = receiverUrl('?status=503')
    const endpoint = await registerEndpoint(user.token, { url })
    await uploadAndProcess(user, small())
    const messages = webhooks.take()
    await runWebhookQueue(messages, 1)
    // The first failure was a day ago (the clock is D1's row, not a mock of ours).
    await env.DB.prepare('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?').bind(Date.now() - DISABLE_AFTER_MS - 1000, endpoint.id).run()
    const result = await runWebhookQueue(messages, 2)
    expect(result.retryMessages).toEqual([])
    expect(result.explicitAcks).toHaveLength(1)
    const state = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(user.token) })).json<any>()
    expect(state.enabled).toBe(false)
    expect(state.disabledReason).toMatch(/^Every delivery failed for over 24 hours .*HTTP 503 from the endpoint$/)

    // Disabled: later events are not even queued for it.
    await uploadAndProcess(user, small())
    expect(webhooks.take()).toEqual([])

    const enabled = await call(`/webhooks/${endpoint.id}`, { method: 'PATCH', headers: { ...bearer(user.token), 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) })
    expect(await enabled.json()).toMatchObject({ enabled: true, disabledReason: null, failingSince: null, lastError: null })
  })

  it('disables an endpoint at once when it answers 410 Gone', async () => {
    const user = await createUser('webhook-gone')
    const endpoint = await registerEndpoint(user.token, { url: receiverUrl('?status=410') })
    await uploadAndProcess(user, small())
    const result = await runWebhookQueue(webhooks.take())
    expect(result.retryMessages).toEqual([])
    const state = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(user.token) })).json<any>()
    expect(state).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410 Gone') })
  })

  it('records a dead-lettered delivery on the endpoint', async () => {
    const user = await createUser('webhook-dlq')
    const endpoint = await registerEndpoint(user.token, { url: receiverUrl('?status=500') })
    await uploadAndProcess(user, small())
    const messages = webhooks.take() as { eventId: string }[]
    await runWebhookQueue(messages, 1)
    const result = await runWebhookQueue(messages, 1, 'image-webhooks-dlq')
    expect(result.explicitAcks).toHaveLength(1)
    const state = await (await call(`/webhooks/${endpoint.id}`, { headers: bearer(user.token) })).json<any>()
    expect(state.lastError).toBe(`Event ${messages[0]!.eventId} was not delivered after ${RETRY_DELAYS_S.length + 1} attempts; the last: HTTP 500 from the endpoint`)
    expect(state.enabled).toBe(true)
  })

  it('drops deliveries to a deleted endpoint without sending', async () => {
    const user = await createUser('webhook-deleted-endpoint')
    const url = receiverUrl()
    const endpoint = await registerEndpoint(user.token, { url })
    await uploadAndProcess(user, small())
    expect((await call(`/webhooks/${endpoint.id}`, { method: 'DELETE', headers: bearer(user.token) })).status).toBe(204)
    const result = await runWebhookQueue(webhooks.take())
    expect(result.explicitAcks).toHaveLength(1)
    expect(await receivedAt(url)).toEqual([])
  })
})

describe('secret rotation', () => {
  it('signs with the new and the old secret during the grace period, then with the new one only', async () => {
    const user = await createUser('webhook-rotate')
    const url = receiverUrl()
    const endpoint = await registerEndpoint(user.token, { url })
    const res = await call(`/webhooks/${endpoint.id}/rotate-secret`, { method: 'POST', headers: { ...bearer(user.token), 'content-type': 'application/json' }, body: JSON.stringify({ gracePeriodSeconds: 3600 }) })
    expect(res.status).toBe(200)
    const rotated = await res.json<any>()
    expect(rotated.secret).not.toBe(endpoint.secret)
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000)

    await uploadAndProcess(user, small())
    await runWebhookQueue(webhooks.take())
    const [got] = await receivedAt(url)
    const { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature } = got!.headers
    expect(signature).toBe(`${await expectedSignature(rotated.secret, id!, ts!, got!.body)} ${await expectedSignature(endpoint.secret, id!, ts!, got!.body)}`)

    // Grace over: only the new secret signs.
    await env.DB.prepare('UPDATE webhook_endpoints SET previous_secret_expires_at = ? WHERE id = ?').bind(Date.now() - 1, endpoint.id).run()
    await call(`/images/${(JSON.parse(got!.body) as any).data.id}`, { method: 'DELETE', headers: bearer(user.token) })
    await runWebhookQueue(webhooks.take())
    const [, after] = await receivedAt(url)
    expect(after!.headers['webhook-signature']).toBe(await expectedSignature(rotated.secret, after!.headers['webhook-id']!, after!.headers['webhook-timestamp']!, after!.body))
  })
})

describe('never lost', () => {
  it('the repair cron fans out an event whose writer died before the queue, once', async () => {
    const user = await createUser('webhook-cron')
    const url = receiverUrl()
    await registerEndpoint(user.token, { url })
    const id = await uploadAndProcess(user, small())
    webhooks.take()
    // As if the processor died between its D1 batch and the fan-out.
    await env.DB.prepare('UPDATE webhook_events SET dispatched_at = NULL, created_at = ? WHERE image_id = ?').bind(Date.now() - UNDISPATCHED_AFTER_MS - 1000, id).run()
    const report = await runRepairCron(env)
    expect(report.webhookEvents).toMatchObject({ dispatched: 1, deliveries: 1 })
    await runWebhookQueue(webhooks.take())
    expect(await receivedAt(url)).toHaveLength(1)
    // Dispatched now: the next run sends nothing.
    expect((await runRepairCron(env)).webhookEvents).toMatchObject({ dispatched: 0, deliveries: 0 })
  })

  it('makes one event per image and type, however many deliveries of the last variant race', async () => {
    const user = await createUser('webhook-race')
    await registerEndpoint(user.token, { url: receiverUrl() })
    const res = await call(uploadRequest(user.token, small(), { name: 'p.png' }))
    const { id } = await res.json<{ id: string }>()
    const messages = variants.take()
    // Every message twice, as a redelivery would.
    await runQueue([...messages, ...messages])
    await runQueue(messages, 'image-variants', 2)
    const events = await env.DB.prepare('SELECT type FROM webhook_events WHERE image_id = ?').bind(id).all()
    expect(events.results).toEqual([{ type: 'image.completed' }])
    expect(webhooks.take()).toHaveLength(1)
  })
})
