/**
 * One decode feeds every variant's resampler: each output must be exactly what a decode to that
 * size alone gives (the resamplers share the rows, never each other's state), and different from
 * the old cascade (a thumbnail resampled from the large variant), which drifted from a direct resize.
 */
import { describe, expect, it } from 'vitest'
import { fixture } from '../../../test/fixtures'
import { Codec, type WasmImage } from './codec'
import codecWasm from './codec.wasm?module'

/** Byte equality without vitest's element-wise diff of megabytes. */
const same = (a: Uint8ClampedArray, b: Uint8ClampedArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

const LARGE = { width: 1620, height: 1080 }
const THUMB = { width: 200, height: 133 }

describe('resampling one decode to several sizes', () => {
  it('gives each size the pixels a decode to that size alone gives', async () => {
    const codec = await Codec.create(codecWasm)
    const photo = fixture('exif-orientation/Landscape_1.jpg')
    const alone = (size: typeof LARGE) => {
      codec.begin()
      const [image] = codec.decodeResized(photo, LARGE, [size]).images as [WasmImage]
      const pixels = codec.pixels(image).slice()
      codec.release(image)
      codec.end()
      return pixels
    }
    const [large, thumb] = [alone(LARGE), alone(THUMB)]

    codec.begin()
    const both = codec.decodeResized(photo, LARGE, [LARGE, THUMB]).images
    expect(both.map((i) => [i.width, i.height])).toEqual([[1620, 1080], [200, 133]])
    expect(same(codec.pixels(both[0]!), large)).toBe(true)
    expect(same(codec.pixels(both[1]!), thumb)).toBe(true)
    both.forEach((i) => codec.release(i))
    codec.end()

    // The same sizes from PNG-style pixels held by JS.
    codec.begin()
    const [fromLarge] = codec.resizePixels({ ...LARGE, data: large }, [THUMB], false) as [WasmImage]
    const cascade = codec.pixels(fromLarge).slice()
    codec.release(fromLarge)
    const pair = codec.resizePixels({ ...LARGE, data: large }, [{ width: 800, height: 533 }, THUMB], false)
    expect(same(codec.pixels(pair[1]!), cascade)).toBe(true)
    pair.forEach((i) => codec.release(i))
    codec.end()
    expect(same(cascade, thumb)).toBe(false)
  })
})
