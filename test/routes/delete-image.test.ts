/** DELETE /images/{id}: the owner removes an image, its variants, files and edge-cache entries. */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fixture } from '../fixtures'
import { BASE, call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { bearer, expectProblem, othersResourceIsUnknown, requiresToken, type Headers, type User } from './auth'

const queue = captureQueue()
afterEach(() => queue.take())

const small = () => fixture('pngsuite/basn2c08.png')

async function upload(token: string, bytes = small()) {
  const res = await call(uploadRequest(token, bytes))
  expect(res.status).toBe(202)
  return res.json<any>()
}

const request = (headers: Headers, id: string) => new Request(`${BASE}/images/${id}`, { method: 'DELETE', headers })
const del = (id: string, token: string) => call(request(bearer(token), id))
const rowsOf = async (id: string) => ({
  images: await env.DB.prepare('SELECT COUNT(*) AS n FROM images WHERE id = ?').bind(id).first('n'),
  variants: await env.DB.prepare('SELECT COUNT(*) AS n FROM image_variants WHERE original_image_id = ?').bind(id).first('n'),
})
const objectsOf = async (id: string) => (await env.IMAGES.list({ prefix: `${id}/` })).objects.map((o) => o.key)

/** An image with its variants made, so that every file exists. */
async function processed(owner: User) {
  const image = await upload(owner.token)
  await runQueue(queue.take())
  return image.id as string
}

let owner: User
beforeAll(async () => (owner = await createUser('ivy')))

describe('happy path', () => {
  it('removes the rows, the original, every variant file and their edge-cache entries', async () => {
    const image = await upload(owner.token)
    await runQueue(queue.take())
    const meta = await (await call(`/images/${image.id}`)).json<any>()
    // The original and every format's file of every variant.
    const urls: string[] = [meta.url, ...meta.variants.flatMap((v: any) => v.files.map((f: any) => f.url))]
    expect(urls.every(Boolean)).toBe(true)
    expect(meta.variants.every((v: any) => v.files.length > 1)).toBe(true)
    expect(await objectsOf(image.id)).toHaveLength(urls.length)
    // Served once, so each file is in the edge cache.
    for (const url of urls) expect((await call(new Request(url))).status).toBe(200)
    for (const url of urls) await vi.waitFor(async () => expect(await caches.default.match(new Request(url))).toBeDefined())

    const res = await del(image.id, owner.token)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(await rowsOf(image.id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(image.id)).toEqual([])
    for (const url of urls) {
      expect(await caches.default.match(new Request(url))).toBeUndefined()
      expect((await call(new Request(url))).status).toBe(404)
    }
    await expectProblem(await call(`/images/${image.id}`), 404)
    // Deleting again: it is gone.
    await expectProblem(await del(image.id, owner.token), 404)
  })

  it('forgets the Idempotency-Key of a deleted image, so a retry uploads anew instead of naming it', async () => {
    const keyed = () => {
      const req = uploadRequest(owner.token, small())
      req.headers.set('idempotency-key', 'deleted-image')
      return req
    }
    const first = await (await call(keyed())).json<any>()
    queue.take()
    expect((await del(first.id, owner.token)).status).toBe(204)
    const keys = await env.DB.prepare('SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = ?').bind(owner.userId).first('n')
    expect(keys).toBe(0)
    const again = await call(keyed())
    expect(again.status).toBe(202)
    expect(again.headers.get('idempotent-replayed')).toBeNull()
    const body = await again.json<any>()
    expect(body.id).not.toBe(first.id)
    expect((await call(`/images/${body.id}`)).status).toBe(200)
  })

  it('ends cleanly when the image is deleted between upload and processing', async () => {
    const image = await upload(owner.token, fixture('generated/alpha-640x480.png'))
    const messages = queue.take()
    expect(messages).toHaveLength(3)
    expect((await del(image.id, owner.token)).status).toBe(204)
    const result = await runQueue(messages)
    expect(result.retryMessages).toHaveLength(0)
    expect(result.explicitAcks).toHaveLength(3)
    expect(await rowsOf(image.id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(image.id)).toEqual([])
  })

  it('ends cleanly when the image is deleted while its variants are being written', async () => {
    const image = await upload(owner.token, fixture('generated/alpha-640x480.png'))
    const messages = queue.take()
    const realPut = env.IMAGES.put.bind(env.IMAGES)
    let deleted: Response | undefined
    // The real put, then (once) the owner's DELETE, right after the consumer stored its first variant.
    const spy = vi.spyOn(env.IMAGES, 'put').mockImplementation(async (...args: Parameters<R2Bucket['put']>) => {
      const stored = await realPut(...args)
      if (!deleted && String(args[0]).startsWith(`${image.id}/`)) deleted = await del(image.id, owner.token)
      return stored
    })
    try {
      const result = await runQueue(messages)
      expect(result.retryMessages).toHaveLength(0)
    } finally {
      spy.mockRestore()
    }
    expect(deleted?.status).toBe(204)
    expect(await rowsOf(image.id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(image.id)).toEqual([])
  })
})

describe('errors', () => {
  it('answers 404 to an unknown id', async () => {
    const problem = await expectProblem(await del(crypto.randomUUID(), owner.token), 404)
    expect(problem.type).toBe(`${BASE}/problems/not-found`)
  })

  it('answers 400 to an id that cannot be one', async () => {
    await expectProblem(await del('x'.repeat(65), owner.token), 400)
  })

  it('deletes once when the same DELETE arrives twice at once, and leaves nothing', async () => {
    const id = await processed(owner)
    const answers = await Promise.all([del(id, owner.token), del(id, owner.token)])
    const statuses = answers.map((res) => res.status)
    // Whichever comes second finds the image gone (404), or both raced past the owner check and both deleted.
    expect(statuses).toContain(204)
    for (const status of statuses) expect([204, 404]).toContain(status)
    expect(await rowsOf(id)).toEqual({ images: 0, variants: 0 })
    expect(await objectsOf(id)).toEqual([])
  })
})

describe('security', () => {
  requiresToken({ request, create: processed }, queue)

  othersResourceIsUnknown({
    request,
    create: processed,
    // The rows, the files and the public metadata all stay.
    snapshot: async (id) => ({ rows: await rowsOf(id), objects: await objectsOf(id), metadata: (await call(`/images/${id}`)).status }),
  })

  it("leaves the image out of the stranger's list after the stranger's DELETE", async () => {
    const stranger = await createUser('jack')
    const id = await processed(owner)
    await expectProblem(await del(id, stranger.token), 404)
    const list = await (await call(new Request(`${BASE}/images`, { headers: bearer(stranger.token) }))).json<any>()
    expect(list.items.map((i: any) => i.id)).not.toContain(id)
  })
})
