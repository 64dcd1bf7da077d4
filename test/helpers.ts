import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { expect, vi } from 'vitest'
import processor from '../src/processor-worker'
import { sha256Hex } from '../src/lib/crypto'
import { Contract, type SentRequest } from './contract'

export const BASE = 'https://images.test'

/** A user with a fresh token, written straight into D1 the way `npm run user:create` does. */
export async function createUser(name = 'alice'): Promise<{ userId: string; token: string }> {
  const userId = crypto.randomUUID()
  const token = 'img_' + crypto.randomUUID().replaceAll('-', '') + crypto.randomUUID().replaceAll('-', '')
  await env.DB.batch([
    env.DB.prepare('INSERT INTO users (id, name) VALUES (?, ?)').bind(userId, name),
    env.DB.prepare('INSERT INTO api_tokens (id, user_id, token_hash) VALUES (?, ?, ?)').bind(crypto.randomUUID(), userId, await sha256Hex(token)),
  ])
  return { userId, token }
}

export function uploadRequest(token: string | null, file: Uint8Array | null, opts: { fileName?: string; name?: string; type?: string } = {}) {
  const form = new FormData()
  if (file) form.append('file', new Blob([file], { type: opts.type ?? 'application/octet-stream' }), opts.name ?? 'photo.jpg')
  if (opts.fileName !== undefined) form.append('fileName', opts.fileName)
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  return new Request(`${BASE}/images`, { method: 'POST', headers, body: form })
}

let contract: Promise<Contract> | undefined
/** The service's own /openapi.json, read once per test file. */
export function loadContract(): Promise<Contract> {
  contract ??= exports.default.fetch(new Request(`${BASE}/openapi.json`)).then(async (res) => new Contract(await res.json()))
  return contract
}

/** Fails the test when an answer does not match /openapi.json (see test/contract.ts). */
export async function expectConforms(req: SentRequest, res: Response, options?: { body?: boolean }) {
  const issues = await (await loadContract()).check(req, res, options)
  expect(issues, `${req.method} ${req.url}: the answer does not match /openapi.json`).toEqual([])
}

/**
 * Sends a request to the Worker, and checks the answer against the contract, as every test does.
 * A JSON body is read here and handed on from memory (a clone would tee the Worker's stream).
 * `check.body: false` checks status and headers only, for an answer whose body this context cannot read.
 */
export async function call(req: Request | string, init?: RequestInit, check?: { body?: boolean }): Promise<Response> {
  const request = typeof req === 'string' ? new Request(`${BASE}${req}`, init) : req
  const sent = { method: request.method, url: request.url, headers: new Headers(request.headers) }
  const res = await exports.default.fetch(request)
  const json = /^application\/([a-z0-9.-]+\+)?json/i.test(res.headers.get('content-type') ?? '')
  if (check?.body === false || !json || res.body === null) {
    await expectConforms(sent, res, { body: false })
    return res
  }
  const copy = new Response(await res.text(), { status: res.status, statusText: res.statusText, headers: res.headers })
  await expectConforms(sent, copy)
  return copy
}

/**
 * Records every message the app sends to a queue (the variant queue unless told), while still
 * sending it: nothing consumes it under test, so tests feed what was really sent to `queue()`
 * themselves, deterministically.
 */
export function captureQueue(queue: Queue = env.VARIANT_QUEUE) {
  const sent: unknown[] = []
  const real = queue.sendBatch.bind(queue)
  const spy = vi.spyOn(queue, 'sendBatch').mockImplementation(async (messages, options) => {
    const result = await real(messages, options)
    for (const m of messages) sent.push(m.body)
    return result
  })
  return {
    sent,
    /** Takes what was sent so far. */
    take: () => sent.splice(0, sent.length),
    restore: () => spy.mockRestore(),
  }
}

let seq = 0
/** Runs the Worker's queue handler on a batch, the way the Queues runtime would. */
export async function runQueue(bodies: unknown[], queue = 'image-variants', attempts = 1): Promise<QueueResult> {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: `m${++seq}`, timestamp: new Date(), attempts, body })),
  )
  const ctx = createExecutionContext()
  await processor.queue(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

export async function storageCounts() {
  const objects = await env.IMAGES.list()
  const images = await env.DB.prepare('SELECT COUNT(*) AS n FROM images').first<number>('n')
  const variants = await env.DB.prepare('SELECT COUNT(*) AS n FROM image_variants').first<number>('n')
  return { objects: objects.objects.length, images, variants }
}

/**
 * Sends a request that must be refused: the status and problem JSON are
 * checked, and storage and the queue must be exactly as before.
 */
export async function expectRejected(req: Request, status: number, detail: RegExp, queue: { sent: unknown[] }) {
  const before = await storageCounts()
  const res = await call(req)
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = await res.json<any>()
  expect(problem).toMatchObject({ status, type: expect.stringMatching(/^https:\/\/images\.test\/problems\/[a-z-]+$/), title: expect.any(String) })
  expect(problem.detail).toMatch(detail)
  expect(await storageCounts()).toEqual(before)
  expect(queue.sent).toHaveLength(0)
  return res
}
