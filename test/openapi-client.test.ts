import createClient from 'openapi-fetch'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, runQueue } from './helpers'
import type { paths } from './openapi/schema'

// A client generated from /openapi.json alone (openapi-typescript types +
// openapi-fetch), as a user of the API would make one. `npm run typecheck`
// compiles this file: no casts, so a spec that types the upload badly fails it.
// test/node/openapi-types.test.ts keeps the committed types equal to the spec.

let token: string
beforeAll(async () => ({ token } = await createUser()))

const client = createClient<paths>({ baseUrl: BASE, fetch: (request) => call(request) })

/** openapi-fetch sends JSON unless told otherwise; the upload is a form. */
const asForm = (body: { file: Blob; fileName?: string }) => {
  const form = new FormData()
  form.append('file', body.file, 'photo.jpg')
  if (body.fileName !== undefined) form.append('fileName', body.fileName)
  return form
}

describe('a client generated from /openapi.json', () => {
  it('uploads, reads, lists and deletes with the types of the spec', async () => {
    const queue = captureQueue()
    try {
      const auth = { Authorization: `Bearer ${token}` }
      const file = new Blob([fixture('exif-orientation/Landscape_6.jpg')], { type: 'image/jpeg' })
      const created = await client.POST('/images', {
        headers: { ...auth, 'Idempotency-Key': crypto.randomUUID() },
        body: { file, fileName: 'generated.jpg' },
        bodySerializer: asForm,
      })
      expect(created.response.status).toBe(202)
      if (!created.data) throw new Error(`upload failed: ${JSON.stringify(created.error)}`)
      const id: string = created.data.id
      expect(created.response.headers.get('location')).toBe(`/images/${id}`)
      expect(created.data.variants.map((v) => v.name)).toEqual(['large', 'medium', 'thumb'])

      await runQueue(queue.take())
      const read = await client.GET('/images/{id}', { params: { path: { id } } })
      expect(read.data?.status).toBe('completed')
      // An image, or (to its owner) a direct upload's draft: generated types make the client narrow.
      if (!read.data || !('variants' in read.data)) throw new Error(`not an image: ${JSON.stringify(read.data)}`)
      const large = read.data.variants.find((v) => v.name === 'large')
      expect(large?.url).toMatch(/^https:\/\/images\.test\/files\//)

      const listed = await client.GET('/images', { params: { query: { limit: 1 } }, headers: auth })
      expect(listed.data?.items.map((i) => i.id)).toEqual([id])
      expect(listed.data?.nextCursor).toBeNull()

      const deleted = await client.DELETE('/images/{id}', { params: { path: { id } }, headers: auth })
      expect(deleted.response.status).toBe(204)
      const gone = await client.GET('/images/{id}', { params: { path: { id } } })
      // Typed problem details from the shared NotFound response.
      expect(gone.error?.type).toBe(`${BASE}/problems/not-found`)
    } finally {
      queue.restore()
    }
  })

  it('reads a byte range of a file, typed by the spec', async () => {
    const missing = await client.GET('/files/{imageId}/{file}', {
      params: { path: { imageId: 'none', file: 'large_1x1_0123456789abcdef.jpg' }, header: { Range: 'bytes=0-9' } },
      parseAs: 'blob',
    })
    expect(missing.response.status).toBe(404)
    expect(missing.error?.status).toBe(404)
  })
})
