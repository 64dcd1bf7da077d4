/** GET /images/{id}: an image's metadata, public by its unguessable id. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fixture } from '../fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { bearer, expectProblem, isPublic, type Headers, type User } from './auth'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()
afterEach(() => queue.take())

const request = (headers: Headers, id: string) => new Request(`https://images.test/images/${id}`, { headers })

describe('happy path', () => {
  it('returns the same shape as the upload answer, with absolute URLs', async () => {
    const up = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png'), { fileName: 'a.png' }))
    const created = await up.json<any>()
    const res = await call(`/images/${created.id}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.json<any>()
    // The owner's answer plus who owns it and the file name; a public read leaves those out.
    const { userId, fileName, metadata, ...shared } = created
    expect([typeof userId, fileName]).toEqual(['string', 'a.png'])
    expect(body).toEqual(shared)
    expect(body.url).toMatch(/^https:\/\/images\.test\/files\//)
  })
})

describe('errors', () => {
  it('answers 404 problem JSON for an unknown id', async () => {
    const res = await call('/images/00000000-0000-4000-8000-000000000000')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not found' })
  })

  it('answers 400 for an id that cannot be one', async () => {
    const res = await call(`/images/${'x'.repeat(65)}`)
    expect(res.status).toBe(400)
  })

  it('answers 404 once the image is deleted', async () => {
    const { id } = await (await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))).json<any>()
    expect((await call(new Request(`https://images.test/images/${id}`, { method: 'DELETE', headers: bearer(token) }))).status).toBe(204)
    await expectProblem(await call(`/images/${id}`), 404)
  })
})

describe('security', () => {
  isPublic({
    request,
    create: async (owner: User) => {
      const { id } = await (await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))).json<any>()
      await runQueue(queue.take())
      return id
    },
    ownerView: {
      strip: (body) => {
        const { userId, fileName, metadata, ...shared } = JSON.parse(body)
        return shared
      },
    },
  })
})
