/**
 * D1 sessions and the write budget. Every request runs in one D1 session; its answer carries the
 * session's bookmark, and a request that sends a bookmark back starts from it (read-your-writes once
 * read replicas serve reads). Locally D1 has no replicas, so what is proven here is the plumbing:
 * which session each request opens (observed on the real binding) and that bookmarks move forward.
 * The write budget pins the D1 round trips and rows written per upload, per image processed and
 * per metadata read: a change that adds a query fails here, on purpose (docs/capacity.md).
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'
import { bearer, expectProblem, type User } from './routes/auth'
import { captureWebhooks, receiverUrl, registerEndpoint, runWebhookQueue } from './webhooks/helpers'

let owner: User
beforeAll(async () => (owner = await createUser('sessions')))
const queue = captureQueue()
const webhooks = captureWebhooks()
const watching: { mockRestore: () => void }[] = []
afterEach(() => {
  queue.take()
  webhooks.take()
  for (const spy of watching.splice(0)) spy.mockRestore()
})

/** Watches the real binding: the constraint or bookmark each session was opened with. */
function watchSessions() {
  const starts: string[] = []
  const real = env.DB.withSession.bind(env.DB)
  const spy = vi.spyOn(env.DB, 'withSession').mockImplementation((start) => {
    starts.push(String(start))
    return real(start)
  })
  watching.push(spy)
  return starts
}

/** The log lines of one kind (JSON on console.log), while `run` runs. */
async function logged<T>(event: string, run: () => Promise<T>): Promise<{ result: T; lines: any[] }> {
  const lines: any[] = []
  const real = console.log
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const text = String(args[0])
    if (text.includes(`"event":"${event}"`)) lines.push(JSON.parse(text))
    else real(...args)
  })
  try {
    return { result: await run(), lines }
  } finally {
    spy.mockRestore()
  }
}

const BOOKMARK = /^[0-9a-f]+(-[0-9a-f]+)+$/

describe('sessions and bookmarks', () => {
  it('answers an upload with a bookmark, and a read that sends it back starts its session from it', async () => {
    const starts = watchSessions()
    const res = await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))
    expect(res.status).toBe(202)
    const written = res.headers.get('x-d1-bookmark')
    expect(written).toMatch(BOOKMARK)
    expect(starts).toEqual(['first-primary'])
    const { id } = await res.json<{ id: string }>()

    const read = await call(`/images/${id}`, { headers: { 'x-d1-bookmark': written! } })
    expect(read.status).toBe(200)
    expect(starts).toEqual(['first-primary', written])
    // Bookmarks are ordered: the read's is at least the write's.
    expect(read.headers.get('x-d1-bookmark')! >= written!).toBe(true)
  })

  it('runs a read without a bookmark anywhere (first-unconstrained), a write at the primary', async () => {
    const starts = watchSessions()
    await call('/images', { headers: bearer(owner.token) })
    await call('/webhooks', { method: 'POST', headers: { ...bearer(owner.token), 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/x' }) })
    expect(starts).toEqual(['first-unconstrained', 'first-primary'])
  })

  it('refuses a bookmark it never gave out with 400, before any query', async () => {
    const starts = watchSessions()
    const problem = await expectProblem(await call('/images', { headers: { ...bearer(owner.token), 'x-d1-bookmark': "'; DROP TABLE images; --" } }), 400)
    expect(problem.detail).toMatch(/x-d1-bookmark/i)
    expect(starts).toEqual([])
  })

  it('makes the bookmark readable by browser pages of allowed origins (CORS)', async () => {
    const res = await call('/images', { headers: { ...bearer(owner.token), origin: 'http://localhost:5173' } })
    expect(res.headers.get('access-control-expose-headers')).toMatch(/X-D1-Bookmark/i)
  })

  it('runs the processor in a primary session', async () => {
    await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))
    const starts = watchSessions()
    await runQueue(queue.take())
    expect(starts).toEqual(['first-primary'])
  })
})

/** What is pinned: rows read depend on how much else the tables hold (index scans), so they are not. */
const budgeted = (line: any) => ({ roundTrips: line.d1.roundTrips, statements: line.d1.statements, rowsWritten: line.d1.rowsWritten })

describe('write budget (D1 per operation)', () => {
  it('an upload: one session, a fixed number of round trips and rows', async () => {
    const user = await createUser('budget')
    const { lines } = await logged('request', () => call(uploadRequest(user.token, fixture('pngsuite/basn2c08.png'))))
    expect(lines.map(budgeted)).toEqual([UPLOAD_BUDGET])
  })

  it('processing one image (three variants in one batch)', async () => {
    const user = await createUser('budget-processor')
    await call(uploadRequest(user.token, fixture('pngsuite/basn2c08.png')))
    const { lines } = await logged('variant.batch', () => runQueue(queue.take()))
    expect(lines.map(budgeted)).toEqual([PROCESS_BUDGET])
  })

  it('processing one image whose owner has a webhook endpoint, then delivering its event', async () => {
    const user = await createUser('budget-webhooks')
    await registerEndpoint(user.token, { url: receiverUrl() })
    await call(uploadRequest(user.token, fixture('pngsuite/basn2c08.png')))
    const processed = await logged('variant.batch', () => runQueue(queue.take()))
    expect(processed.lines.map(budgeted)).toEqual([PROCESS_WITH_WEBHOOK_BUDGET])
    const delivered = await logged('webhook.batch', () => runWebhookQueue(webhooks.take()))
    expect(delivered.lines.map(budgeted)).toEqual([DELIVERY_BUDGET])
  })

  it('a metadata read', async () => {
    const res = await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))
    const { id } = await res.json<{ id: string }>()
    const { lines } = await logged('request', () => call(`/images/${id}`))
    expect(lines.map(budgeted)).toEqual([READ_BUDGET])
  })
})

// The budgets (docs/capacity.md turns them into D1 load). Lower is better: update them when a
// change saves a query; a change that adds one must say why here.
// Upload: the token lookup; the image and its three variants in one batch; `draft` -> `processing`
// once the messages are queued. rowsWritten counts index entries too (D1 bills them as rows).
const UPLOAD_BUDGET = { roundTrips: 3, statements: 4, rowsWritten: 18 }
// Processing: the image with its variants in one batch; then one batch per variant result (the
// variant, its files, the status roll-up and the webhook-event check).
const PROCESS_BUDGET = { roundTrips: 4, statements: 18, rowsWritten: 24 }
// The same with an endpoint: the event row rides in the last variant's batch (+1 row and its
// indexes), then the fan-out reads the targets and marks the event dispatched (+2 round trips).
const PROCESS_WITH_WEBHOOK_BUDGET = { roundTrips: 6, statements: 20, rowsWritten: 29 }
// One delivery: the event and the endpoint (2), the image (1 batch of 3), the success (1).
const DELIVERY_BUDGET = { roundTrips: 4, statements: 6, rowsWritten: 1 }
// A public metadata read: image, variants and files in one batch.
const READ_BUDGET = { roundTrips: 1, statements: 3, rowsWritten: 0 }
