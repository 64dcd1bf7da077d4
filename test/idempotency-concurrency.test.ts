/**
 * `Idempotency-Key` under real concurrency: duplicates arriving while the first
 * request is held inside its R2 put. In a file of its own and alone in it: the
 * held request's answer belongs to another I/O context and its body cannot be
 * read here, and with it unread, later tests in the same file stalled workerd.
 */
import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { call, captureQueue, createUser, storageCounts, uploadRequest } from './helpers'
import { fixture } from './fixtures'

let alice: { userId: string; token: string }
beforeAll(async () => {
  alice = await createUser('alice')
})
const queue = captureQueue()

function keyed(token: string, key: string) {
  const req = uploadRequest(token, fixture('pngsuite/basn2c08.png'), { fileName: 'a.png' })
  req.headers.set('idempotency-key', key)
  return req
}

describe('Idempotency-Key with duplicates in flight', () => {
  it('makes one image out of concurrent duplicates', async () => {
    const before = await storageCounts()
    // Hold the first request inside its R2 put, so the duplicates arrive while it is still running.
    let entered!: () => void
    let release!: () => void
    const inPut = new Promise<void>((resolve) => (entered = resolve))
    const gate = new Promise<void>((resolve) => (release = resolve))
    const realPut = env.IMAGES.put.bind(env.IMAGES)
    // (The first put that is not a staging put: the file's copy to its content-hashed key, after the claim.)
    let held = false
    const put = vi.spyOn(env.IMAGES, 'put').mockImplementation(async (...args) => {
      if (!held && !String(args[0]).includes('/staging/')) {
        held = true
        entered()
        await gate
      }
      return realPut(...args)
    })
    // Sent past the contract check, which would read the body: that body belongs to the held request's I/O context.
    const first = exports.default.fetch(keyed(alice.token, 'concurrent'))
    await inPut
    const duplicates = await Promise.all(Array.from({ length: 4 }, () => call(keyed(alice.token, 'concurrent'))))
    release()
    const winner = await first
    put.mockRestore()

    expect(winner.status).toBe(202)
    // (Its body stream belongs to the held request's I/O context; the Location header names the image.)
    const id = winner.headers.get('location')!.split('/').at(-1)
    for (const res of duplicates) {
      expect(res.status).toBe(409)
      expect(res.headers.get('retry-after')).toBe('2')
      expect(await res.json()).toMatchObject({ status: 409, type: expect.stringContaining('idempotency-key-in-use') })
    }
    expect(await storageCounts()).toEqual({ objects: before.objects + 1, images: before.images! + 1, variants: before.variants! + 3 })
    expect(queue.sent).toHaveLength(3)
    // Once the first finished, a retry is answered from it.
    const retry = await call(keyed(alice.token, 'concurrent'))
    expect(retry.status).toBe(202)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect((await retry.json<any>()).id).toBe(id)
  })
})
