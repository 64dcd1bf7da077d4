import { hc } from 'hono/client'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AppType } from '../src/index'
import { bookmarkingFetch } from '../src/lib/bookmarks'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, runQueue } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))

// The typed client, talking to the Worker in this runtime instead of the network.
const client = hc<AppType>(BASE, { fetch: (input: RequestInfo | URL, init?: RequestInit) => call(new Request(input, init)) })

describe('bookmarkingFetch: read-your-writes for clients', () => {
  it('sends back the newest bookmark it was given, on every later request', async () => {
    const sent: (string | null)[] = []
    const fetch = bookmarkingFetch((input, init) => {
      const req = new Request(input, init)
      sent.push(req.headers.get('x-d1-bookmark'))
      return call(req)
    })
    const api = hc<AppType>(BASE, { fetch, headers: { authorization: `Bearer ${token}` } })
    const created = await api.webhooks.$post({ json: { url: 'http://127.0.0.1:9/hook' } })
    expect(created.status).toBe(201)
    const written = created.headers.get('x-d1-bookmark')
    expect(written).toEqual(expect.any(String))
    expect(fetch.bookmark()).toBe(written)
    const listed = await api.webhooks.$get()
    expect(listed.status).toBe(200)
    expect(sent).toEqual([null, written])
    expect(fetch.bookmark()! >= written!).toBe(true)
  })
})

describe('hc<AppType> (hono/client)', () => {
  it('uploads a photo and reads its metadata with types', async () => {
    const queue = captureQueue()
    try {
      const file = new File([fixture('exif-orientation/Landscape_6.jpg')], 'landscape.jpg', { type: 'image/jpeg' })
      const created = await client.images.$post({ form: { file, fileName: 'typed.jpg' } }, { headers: { authorization: `Bearer ${token}` } })
      expect(created.status).toBe(202)
      if (created.status !== 202) throw new Error('unreachable')
      const image = await created.json()
      // Typed fields: these lines would not compile if the route's types were lost.
      const id: string = image.id
      const names: string[] = image.variants.map((v) => v.name)
      expect(image.fileName).toBe('typed.jpg')
      expect([image.width, image.height]).toEqual([1800, 1200])
      expect(names).toEqual(['large', 'medium', 'thumb'])

      await runQueue(queue.take())
      const res = await client.images[':id'].$get({ param: { id } })
      expect(res.status).toBe(200)
      if (res.status !== 200) throw new Error('unreachable')
      const done = await res.json()
      // The answer is an image or, to its owner, a direct upload's draft: the client narrows.
      if (!('variants' in done)) throw new Error(`a draft: ${JSON.stringify(done)}`)
      expect(done.status).toBe('completed')
      expect(done.variants.map((v) => [v.name, v.width, v.height])).toEqual([
        ['large', 1620, 1080],
        ['medium', 800, 533],
        ['thumb', 200, 133],
      ])
      // URLs the client builds match the ones the app routes.
      expect(client.images[':id'].events.$url({ param: { id } }).href).toBe(`${BASE}/images/${id}/events`)
    } finally {
      queue.restore()
    }
  })

  it('gets the problem JSON of an unknown image', async () => {
    const res = await client.images[':id'].$get({ param: { id: '00000000-0000-4000-8000-000000000000' } })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not found' })
  })

  it('is refused without a token', async () => {
    const file = new File([fixture('pngsuite/basn2c08.png')], 'a.png', { type: 'image/png' })
    const res = await client.images.$post({ form: { file } })
    expect(res.status).toBe(401)
  })
})
