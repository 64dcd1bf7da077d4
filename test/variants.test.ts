/**
 * Every preset of the catalogue, end to end: written against `PRESETS`, not a fixed list, so a
 * preset added in one line of src/formats/presets.ts is uploaded, made, recorded and delivered
 * here too (test/node/preset-line.test.ts makes that edit in a copy of the repo and runs this file).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { fitWithin, PRESETS } from '../src/formats/presets'
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
})
