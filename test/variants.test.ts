/**
 * Every preset of the catalogue, end to end: written against `PRESETS`, not a fixed list, so a
 * preset added in one line of src/formats/presets.ts is uploaded, made, recorded and delivered
 * here too (test/node/preset-line.test.ts makes that edit in a copy of the repo and runs this file).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { fitWithin, PRESETS } from '../src/formats/presets'
import { stripJpeg } from '../src/formats/strip'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))

describe('every preset', () => {
  it('gets a variant of its size, made, recorded and delivered', async () => {
    const queue = captureQueue()
    const res = await call(uploadRequest(token, fixture('exif-orientation/Landscape_1.jpg')))
    expect(res.status).toBe(202)
    const uploaded = await res.json<any>()
    expect(uploaded.variants.map((v: any) => v.name)).toEqual(PRESETS.map((p) => p.name))
    await runQueue(queue.take())
    queue.restore()
    const image = await (await call(`/images/${uploaded.id}`)).json<any>()
    expect(image.status).toBe('completed')
    for (const preset of PRESETS) {
      const variant = image.variants.find((v: any) => v.name === preset.name)
      expect(variant, preset.name).toMatchObject({ status: 'completed', ...fitWithin({ width: image.width, height: image.height }, preset) })
      const file = await call(new Request(variant.url))
      expect(file.status, variant.url).toBe(200)
      expect(file.headers.get('content-type')).toBe('image/jpeg')
      await file.arrayBuffer()
    }
  })

  it("at the original's size, is the original's coded data without its metadata, its ICC profile kept", async () => {
    const queue = captureQueue()
    const original = fixture('colour/display-p3.jpg') // 256x192, Display P3: inside every box but the thumb's
    const { id } = await (await call(uploadRequest(token, original))).json<any>()
    await runQueue(queue.take())
    queue.restore()
    const image = await (await call(`/images/${id}`)).json<any>()
    const stripped = stripJpeg(original)!
    for (const variant of image.variants) {
      const bytes = new Uint8Array(await (await call(new Request(variant.url))).arrayBuffer())
      const same = variant.width === 256 && variant.height === 192
      expect(bytes.length === stripped.length && bytes.every((b, i) => b === stripped[i]), variant.name).toBe(same)
      // Smaller files in other formats are made from the colour-converted pixels as usual.
      expect(variant.files.length, variant.name).toBeGreaterThan(1)
    }
    expect(image.variants.some((v: any) => v.width === 256)).toBe(true)
  })
})
