import { describe, expect, it } from 'vitest'
import { fixture } from '../../../test/fixtures'
import { referenceDecode } from '../../../test/reference'
import { Codec } from '../codec/codec'
import codecWasm from '../codec/codec.wasm?module'
import { pngEncodeBytes } from '../../formats/plan'
import { encodePng as encodePngIn } from './encoder'
import { encodePngWithCodec as encodePng } from './test-codec'

describe('encodePng', () => {
  it.each(['generated/alpha-640x480.png', 'pngsuite/basn2c08.png', 'pngsuite/basn6a08.png', 'exif-orientation/Landscape_1.jpg'])(
    'round-trips %s losslessly through an independent decoder',
    async (file) => {
      const source = await referenceDecode(fixture(file))
      const png = await encodePng(source)
      const back = await referenceDecode(png)
      expect([back.width, back.height]).toEqual([source.width, source.height])
      // Count differing bytes rather than diffing megabytes of pixels.
      let differing = 0
      for (let i = 0; i < source.data.length; i++) if (back.data[i] !== source.data[i]) differing++
      expect(back.data.length).toBe(source.data.length)
      expect(differing).toBe(0)
    },
  )

  it('writes opaque images as RGB and keeps alpha only when some pixel needs it', async () => {
    const colourType = async (file: string) => (await encodePng(await referenceDecode(fixture(file))))[25]
    expect(await colourType('pngsuite/basn2c08.png')).toBe(2)
    expect(await colourType('generated/alpha-640x480.png')).toBe(6)
  })

  it('compresses a smooth image well (filters chosen per row)', async () => {
    const source = await referenceDecode(fixture('generated/alpha-640x480.png'))
    const png = await encodePng(source)
    // 1.2 MB of RGBA; jsquash's encoder wrote 315 KB for it.
    expect(png.byteLength).toBeLessThan(100_000)
  })
})

describe('the PNG encoder in the codec', () => {
  it('needs no more WASM memory than the plan gives it, for an incompressible 1920x1080 RGBA variant', async () => {
    // A fresh instance, so any growth during the encode shows (a shared one may have grown already).
    const codec = await Codec.create(codecWasm)
    const size = { width: 1920, height: 1080 }
    const variant = codec.reserve(size.width * size.height * 4)
    let seed = 1
    for (let i = 0; i < variant.length; i++) variant[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    const before = codec.memoryBytes
    const png = encodePngIn({ ...size, data: variant }, codec)
    // The allocator may ask for a little more than it hands out (page rounding, chunk headers).
    expect(codec.memoryBytes - before).toBeLessThanOrEqual(pngEncodeBytes(size) + 256 * 1024)
    const back = await referenceDecode(png)
    expect([back.width, back.height]).toEqual([size.width, size.height])
    expect(png[25]).toBe(6)
  })
})
