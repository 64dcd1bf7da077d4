import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'
import { meanAbsDiff, referenceDecode, type Decoded } from './reference'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

async function thumbOf(file: string): Promise<{ meta: any; thumb: Decoded }> {
  const res = await call(uploadRequest(token, fixture(`exif-orientation/${file}`)))
  const { id } = await res.json<{ id: string }>()
  await runQueue(queue.take())
  const meta = await (await call(`/images/${id}`)).json<any>()
  expect(meta.status).toBe('completed')
  const thumb = meta.variants.find((v: any) => v.name === 'medium')
  const bytes = new Uint8Array(await (await call(new Request(thumb.url))).arrayBuffer())
  return { meta, thumb: await referenceDecode(bytes) }
}

describe.each(['Landscape', 'Portrait'])('EXIF orientation: %s', (set) => {
  let upright: Decoded
  beforeAll(async () => ({ thumb: upright } = await thumbOf(`${set}_1.jpg`)))

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])(`${set}_%i gives upright variants`, async (o) => {
    const { meta, thumb } = await thumbOf(`${set}_${o}.jpg`)
    const wide = set === 'Landscape'
    expect([meta.width, meta.height]).toEqual(wide ? [1800, 1200] : [1200, 1800])
    for (const v of meta.variants) expect(v.width > v.height).toBe(wide)
    expect(thumb.width > thumb.height).toBe(wide)
    // Same picture as the orientation-1 file, compared at a coarse size (not bytes).
    expect(meanAbsDiff(thumb, upright)).toBeLessThan(6)
  })
})
