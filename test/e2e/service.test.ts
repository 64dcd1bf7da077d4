import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { root, startService, waitFor, type Service } from './server'

let service: Service
let base: string
let token: string

beforeAll(async () => {
  service = await startService('e2e')
  ;({ base, token } = service)
})

afterAll(() => service?.stop())

describe('the service end to end', () => {
  it('uploads a photo, makes its variants, and serves every URL', async () => {
    const photo = readFileSync(join(root, 'test/fixtures/exif-orientation/Portrait_6.jpg'))
    const form = new FormData()
    form.append('file', new Blob([photo]), 'portrait.jpg')
    const res = await fetch(`${base}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
    expect(res.status).toBe(202)
    const created = (await res.json()) as any
    expect(res.headers.get('location')).toBe(`/images/${created.id}`)

    const done = await waitFor(
      'completed',
      async () => {
        const meta = (await (await fetch(`${base}/images/${created.id}`)).json()) as any
        if (meta.status === 'failed') throw new Error(`failed: ${meta.error}`)
        return meta.status === 'completed' ? meta : undefined
      },
      60_000,
    )
    expect([done.width, done.height]).toEqual([1200, 1800])
    expect(done.variants.map((v: any) => [v.name, v.width, v.height])).toEqual([
      ['large', 720, 1080],
      ['medium', 400, 600],
      ['thumb', 100, 150],
    ])
    for (const url of [done.url, ...done.variants.map((v: any) => v.url)]) {
      expect(url.startsWith(base)).toBe(true)
      const file = await fetch(url)
      expect(file.status).toBe(200)
      expect(file.headers.get('content-type')).toBe('image/jpeg')
      expect(file.headers.get('cache-control')).toContain('immutable')
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(1000)
    }
  })
})
