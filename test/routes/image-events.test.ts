/** GET /images/{id}/events: an image's live status as Server-Sent Events, public like its metadata. */
import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from '../fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { bearer, expectProblem, isPublic, type Headers, type User } from './auth'

let token: string
beforeAll(async () => ({ token } = await createUser()))

interface SseEvent {
  event: string
  data: string
}

/** Parses a text/event-stream body into events, as an EventSource would. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += value
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const event: SseEvent = { event: 'message', data: '' }
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event.event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
      event.data = data.join('\n')
      yield event
    }
  }
}

const request = (headers: Headers, id: string) => new Request(`https://images.test/images/${id}/events`, { headers })

describe('happy path', () => {
  it('streams the metadata while variants are made, and ends once the image is completed', async () => {
    const queue = captureQueue()
    try {
      const up = await call(uploadRequest(token, fixture('generated/alpha-640x480.png'), { name: 'alpha.png' }))
      expect(up.status).toBe(202)
      const created = await up.json<any>()

      const res = await call(`/images/${created.id}/events`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const events = readEvents(res.body!)

      // On connect: the metadata as GET /images/{id} answers it, still processing.
      const first = await events.next()
      expect(first.done).toBe(false)
      expect(first.value!.event).toBe('image')
      const before = JSON.parse(first.value!.data)
      expect(before).toEqual(await (await call(`/images/${created.id}`)).json())
      expect(before.status).toBe('processing')

      // The queue runs while the stream is open; the stream sees the change.
      const sent = queue.take()
      expect(sent).toHaveLength(3)
      const result = await runQueue(sent)
      expect(result.explicitAcks).toHaveLength(3)

      const rest: SseEvent[] = []
      for await (const e of events) rest.push(e)
      // The stream ended by itself, after an event showing the finished image.
      expect(rest.length).toBeGreaterThan(0)
      expect(rest.every((e) => e.event === 'image')).toBe(true)
      const last = JSON.parse(rest.at(-1)!.data)
      expect(last.status).toBe('completed')
      expect(last.variants.map((v: any) => [v.name, v.status])).toEqual([
        ['large', 'completed'],
        ['medium', 'completed'],
        ['thumb', 'completed'],
      ])
      expect(last.variants.every((v: any) => typeof v.url === 'string')).toBe(true)
      expect(last).toEqual(await (await call(`/images/${created.id}`)).json())
      // Only changes are sent: no two consecutive events are the same.
      const all = [first.value!, ...rest].map((e) => e.data)
      expect(all.every((d, i) => i === 0 || d !== all[i - 1])).toBe(true)
    } finally {
      queue.restore()
    }
  })

  it('sends one event and ends at once for an image that is already finished', async () => {
    const queue = captureQueue()
    try {
      const up = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))
      const { id } = await up.json<any>()
      await runQueue(queue.take())
      const res = await call(`/images/${id}/events`)
      // A live status must never be stored by a cache (streamSSE's own default is no-cache).
      expect(res.headers.get('cache-control')).toBe('no-store')
      const events: SseEvent[] = []
      for await (const e of readEvents(res.body!)) events.push(e)
      expect(events.map((e) => e.event)).toEqual(['image'])
      const image = JSON.parse(events[0]!.data)
      expect(image.status).toBe('completed')
      // Public, like GET /images/{id}: nothing owner-only.
      expect([image.userId, image.fileName]).toEqual([undefined, undefined])
    } finally {
      queue.restore()
    }
  })

  it('tells the client to poll when the stream has been open for EVENTS_MAX_SECONDS (3 s in tests)', async () => {
    const queue = captureQueue()
    try {
      const { id } = await (await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))).json<any>()
      queue.take() // never processed: the image stays `processing`
      const res = await call(`/images/${id}/events`)
      const events: SseEvent[] = []
      for await (const e of readEvents(res.body!)) events.push(e)
      expect(events.map((e) => e.event)).toEqual(['image', 'timeout'])
      expect(JSON.parse(events[0]!.data).status).toBe('processing')
      expect(JSON.parse(events[1]!.data)).toEqual({ poll: `/images/${id}` })
    } finally {
      queue.restore()
    }
  })

  it('says `gone` and ends when the image is deleted while the stream is open', async () => {
    const queue = captureQueue()
    try {
      const { id } = await (await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))).json<any>()
      queue.take()
      const res = await call(`/images/${id}/events`)
      const events: SseEvent[] = []
      for await (const e of readEvents(res.body!)) {
        events.push(e)
        if (events.length === 1) {
          const del = await call(new Request(`https://images.test/images/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }))
          expect(del.status).toBe(204)
        }
      }
      expect(events.map((e) => e.event)).toEqual(['image', 'gone'])
      expect(JSON.parse(events[1]!.data)).toEqual({ id })
    } finally {
      queue.restore()
    }
  })
})

describe('errors', () => {
  it('answers 404 problem JSON, not a stream, for an unknown id', async () => {
    const res = await call('/images/00000000-0000-4000-8000-000000000000/events')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 404, detail: expect.stringContaining('00000000-0000-4000-8000-000000000000') })
  })

  it('answers 404, not a stream, for an image deleted before the stream opens', async () => {
    const queue = captureQueue()
    try {
      const { id } = await (await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))).json<any>()
      queue.take()
      expect((await call(new Request(`https://images.test/images/${id}`, { method: 'DELETE', headers: bearer(token) }))).status).toBe(204)
      await expectProblem(await call(`/images/${id}/events`), 404)
    } finally {
      queue.restore()
    }
  })

  it('answers 400 problem JSON for an id that cannot be one', async () => {
    await expectProblem(await call(`/images/${'x'.repeat(65)}/events`), 400)
  })
})

describe('security', () => {
  // A finished image: its stream is one event and ends, so every caller's whole answer compares.
  isPublic({
    request,
    create: async (owner: User) => {
      const queue = captureQueue()
      try {
        const { id } = await (await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))).json<any>()
        await runQueue(queue.take())
        return id
      } finally {
        queue.restore()
      }
    },
    // The owner's events carry the owner-only fields too.
    ownerView: { strip: (body) => body.replace(/"userId":"[^"]*",|"fileName":(null|"[^"]*"),|"metadata":(null|\{[^}]*\}),/g, '') },
  })
})
