import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { call, createUser, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))

describe('GET /images/{id}', () => {
  it('returns the same shape as the upload answer, with absolute URLs', async () => {
    const up = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png'), { fileName: 'a.png' }))
    const created = await up.json<any>()
    const res = await call(`/images/${created.id}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.json<any>()
    expect(body).toEqual(created)
    expect(body.url).toMatch(/^https:\/\/images\.test\/files\//)
  })

  it('answers 404 problem JSON for an unknown id', async () => {
    const res = await call('/images/00000000-0000-4000-8000-000000000000')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not found' })
  })

  it('answers 404 problem JSON for unknown routes', async () => {
    const res = await call('/nope')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })
})
