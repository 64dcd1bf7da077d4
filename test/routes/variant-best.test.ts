/** GET /images/{id}/variants/{name}: a variant in the best format the browser accepts (`bestUrl`). */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { fixture } from '../fixtures'
import { BASE, call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { isPublic, type Headers, type User } from './auth'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()
afterEach(() => queue.take())

const request = (headers: Headers, id: string) => new Request(`${BASE}/images/${id}/variants/large`, { headers })
const BROWSER_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8'

async function made(bytes: Uint8Array) {
  const { id } = await (await call(uploadRequest(token, bytes))).json<any>()
  await runQueue(queue.take())
  return (await (await call(`/images/${id}`)).json<any>()) as any
}

describe('happy path', () => {
  it("answers the best format the client names, with Vary: Accept and the immutable file's URL as Content-Location", async () => {
    const image = await made(fixture('exif-orientation/Landscape_1.jpg'))
    const large = image.variants.find((v: any) => v.name === 'large')
    expect(large.bestUrl).toBe(`${BASE}/images/${image.id}/variants/large`)
    expect(large.files.map((f: any) => f.format)).toEqual(['avif', 'webp', 'jpeg'])
    const fileOf = (format: string) => large.files.find((f: any) => f.format === format)
    for (const [accept, format] of [[BROWSER_ACCEPT, 'avif'], ['image/avif,image/webp,*/*', 'avif'], ['image/webp,*/*', 'webp'], ['image/jpeg,*/*', 'jpeg'], [null, 'jpeg']] as const) {
      const headers: Record<string, string> = accept ? { accept } : {}
      // Twice: the second answer comes from the edge cache's remembered choice for that accept class.
      for (const round of [1, 2]) {
        const best = await call(new Request(large.bestUrl, { headers }))
        expect(best.status, `${accept} #${round}`).toBe(200)
        expect(best.headers.get('content-type'), `${accept} #${round}`).toBe(`image/${format}`)
        expect(best.headers.get('vary')).toMatch(/\bAccept\b/)
        expect(best.headers.get('content-location')).toBe(new URL(fileOf(format).url).pathname)
        const direct = await call(new Request(fileOf(format).url))
        expect(new Uint8Array(await best.arrayBuffer())).toEqual(new Uint8Array(await direct.arrayBuffer()))
      }
    }
    // The fallback is the variant's own file, in the original's format.
    expect(fileOf('jpeg').url).toBe(large.url)
  })

  it('offers a ready <picture> over the made variants', async () => {
    const image = await made(fixture('pngsuite/basn2c08.png'))
    expect(image.picture).toMatch(/^<picture>.*<img src="[^"]+\/files\/[^"]+" srcset="[^"]+ \d+w[^"]*" sizes="[^"]+" width="32" height="32" alt="" loading="lazy" decoding="async"><\/picture>$/)
    for (const v of image.variants) expect(image.picture).toContain(v.files[0].url)
  })

  it('answers 304 to its own ETag and HEAD without a body', async () => {
    const image = await made(fixture('pngsuite/basn0g08.png'))
    const url = image.variants[0].bestUrl
    const first = await call(new Request(url))
    const etag = first.headers.get('etag')!
    await first.arrayBuffer()
    const cached = await call(new Request(url, { headers: { 'if-none-match': etag } }), undefined, { body: false })
    expect(cached.status).toBe(304)
    const head = await call(new Request(url, { method: 'HEAD' }), undefined, { body: false })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })
})

describe('errors', () => {
  it('answers 404 before the variant is made, for an unknown id or an unknown variant name', async () => {
    const { id } = await (await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))).json<any>()
    for (const url of [`/images/${id}/variants/large`, `/images/${crypto.randomUUID()}/variants/large`, `/images/${id}/variants/huge`]) {
      const res = await call(url)
      expect(res.status, url).toBe(404)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      await res.arrayBuffer()
    }
  })

  it('answers 404 once the image is deleted, though its choice was cached', async () => {
    const image = await made(fixture('pngsuite/basn2c08.png'))
    const url = image.variants[0].bestUrl
    await (await call(new Request(url))).arrayBuffer()
    expect((await call(new Request(`${BASE}/images/${image.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }))).status).toBe(204)
    const res = await call(new Request(url))
    expect(res.status).toBe(404)
    await res.arrayBuffer()
  })
})

describe('security', () => {
  isPublic({
    request,
    // The first answer fills the edge cache; later ones come from it.
    volatile: ['age', 'cf-cache-status', 'date'],
    create: async (owner: User) => {
      const { id } = await (await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))).json<any>()
      await runQueue(queue.take())
      return id
    },
  })
})
