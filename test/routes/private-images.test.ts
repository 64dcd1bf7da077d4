/**
 * Private images: shown only to their owner, files only through signed URLs (exp + HMAC over path
 * and expiry, two keys for rotation), checked before the edge cache; public images unchanged.
 */
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sign } from '../../src/lib/signature'
import { fixture } from '../fixtures'
import { BASE, call, captureQueue, createUser, runQueue, uploadRequest } from '../helpers'
import { bearer, expectProblem, type User } from './auth'

let owner: User
let image: any
const queue = captureQueue()
afterEach(() => queue.take())

const upload = (fields: Record<string, string>) => {
  const req = uploadRequest(owner.token, fixture('exif-orientation/Landscape_1.jpg'))
  return req.formData().then((form) => {
    for (const [k, v] of Object.entries(fields)) form.append(k, v)
    return call(new Request(req.url, { method: 'POST', headers: bearer(owner.token), body: form }))
  })
}

beforeAll(async () => {
  owner = await createUser('private-owner')
  const res = await upload({ private: 'true', metadata: JSON.stringify({ sku: 'A-1' }) })
  expect(res.status).toBe(202)
  await runQueue(queue.take())
  image = await (await call(`/images/${(await res.json<any>()).id}`, { headers: bearer(owner.token) })).json<any>()
})

const plain = (url: string) => url.replace(/\?.*$/, '')
const resign = async (url: string, exp: number, key: string) => {
  const path = new URL(url).pathname
  return `${BASE}${path}?exp=${exp}&sig=${await sign(path, exp, key)}`
}

describe('happy path', () => {
  it("gives the owner signed URLs that serve the files, with the owner's metadata", async () => {
    expect(image).toMatchObject({ status: 'completed', private: true, metadata: { sku: 'A-1' } })
    const expires = Date.parse(image.urlsExpireAt)
    expect(expires - Date.now()).toBeGreaterThan(3500_000)
    for (const url of [image.url, ...image.variants.flatMap((v: any) => [v.bestUrl, ...v.files.map((f: any) => f.url)])]) {
      expect(url).toMatch(new RegExp(`\\?exp=${expires / 1000}&sig=[A-Za-z0-9_-]{43}$`))
      const res = await call(new Request(url))
      expect(res.status, url).toBe(200)
      // Never in a shared cache; in the browser's only until the URL expires.
      expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/)
      await res.arrayBuffer()
    }
    expect(new Uint8Array(await (await call(new Request(image.url))).arrayBuffer())).toEqual(fixture('exif-orientation/Landscape_1.jpg'))
  })

  it('gives the same URLs to two reads in a row (the expiry is rounded), so browsers can cache', async () => {
    const again = await (await call(`/images/${image.id}`, { headers: bearer(owner.token) })).json<any>()
    expect(again.url).toBe(image.url)
  })

  it('accepts a URL signed with the previous key (rotation)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600
    const res = await call(new Request(await resign(image.url, exp, env.URL_SIGNING_KEY_PREVIOUS)))
    expect(res.status).toBe(200)
    await res.arrayBuffer()
  })

  it('leaves public images as they were: plain URLs, publicly cached', async () => {
    const res = await call(uploadRequest(owner.token, fixture('pngsuite/basn2c08.png')))
    const pub = await res.json<any>()
    expect(pub.private).toBe(false)
    expect(pub.urlsExpireAt).toBeNull()
    expect(pub.url).not.toContain('?')
    const file = await call(new Request(pub.url))
    expect(file.status).toBe(200)
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    await file.arrayBuffer()
    await runQueue(queue.take())
  })
})

describe('errors', () => {
  it('refuses a file without a signature with 403, even once the signed URL has filled the edge cache', async () => {
    const ok = await call(new Request(image.url))
    await ok.arrayBuffer()
    for (const url of [plain(image.url), plain(image.variants[0].files[0].url), plain(image.variants[0].bestUrl)]) {
      const problem = await expectProblem(await call(new Request(url)), 403)
      expect(problem.type).toBe(`${BASE}/problems/forbidden`)
    }
  })

  it('refuses an expired signature with 403', async () => {
    const exp = Math.floor(Date.now() / 1000) - 1
    const problem = await expectProblem(await call(new Request(await resign(image.url, exp, env.URL_SIGNING_KEY))), 403)
    expect(problem.detail).toMatch(/expired/)
  })

  it('refuses a tampered signature, expiry or path with 403', async () => {
    const url = new URL(image.url)
    const sig = url.searchParams.get('sig')!
    const exp = url.searchParams.get('exp')!
    const tampered = [
      `${BASE}${url.pathname}?exp=${exp}&sig=${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BA' : 'AA'}`,
      `${BASE}${url.pathname}?exp=${Number(exp) + 3600}&sig=${sig}`,
      `${plain(image.variants[0].files[0].url)}?exp=${exp}&sig=${sig}`,
      `${BASE}${url.pathname}?exp=${exp}`,
      `${BASE}${url.pathname}?exp=${exp}&sig=not*base64`,
    ]
    for (const bad of tampered) await expectProblem(await call(new Request(bad)), 403)
    // A key we never had.
    await expectProblem(await call(new Request(await resign(image.url, Number(exp), 'some-other-key-0123456789abcdef0123'))), 403)
  })

  it('refuses bad metadata at upload with 400 and stores nothing', async () => {
    for (const fields of [{ metadata: 'not json' } as Record<string, string>, { metadata: '[1]' }, { metadata: JSON.stringify({ t: 'x'.repeat(1100) }) }, { private: 'maybe' }]) {
      const res = await upload(fields)
      await expectProblem(res, 400)
    }
    expect(queue.sent).toHaveLength(0)
  })
})

describe('security', () => {
  it('answers anyone but the owner 404 for a private image, its events and its draft-free listing', async () => {
    const stranger = await createUser('stranger')
    await expectProblem(await call(`/images/${image.id}`), 404)
    await expectProblem(await call(`/images/${image.id}`, { headers: bearer(stranger.token) }), 404)
    await expectProblem(await call(`/images/${image.id}/events`), 404)
  })

  it('never puts the custom metadata in a public answer', async () => {
    const res = await upload({ metadata: JSON.stringify({ secret: 'owner-only-value' }) })
    const { id } = await res.json<any>()
    const text = await (await call(`/images/${id}`)).text()
    expect(text).not.toContain('owner-only-value')
    expect(await (await call(`/images/${id}`, { headers: bearer(owner.token) })).text()).toContain('owner-only-value')
    queue.take()
  })
})
