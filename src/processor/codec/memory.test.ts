/**
 * The codec instance is kept and its memory reused from job to job (a replaced instance's memory
 * would linger until garbage collection), and growth past maxMemoryBytes fails the job, not the isolate.
 */
import { describe, expect, it } from 'vitest'
import { fixture } from '../../../test/fixtures'
import { modernEncodeBytes } from '../../formats/plan'
import { ImageDecodeError } from '../errors'
import { Codec, type WasmImage } from './codec'
import codecWasm from './codec.wasm?module'

const MiB = 1024 * 1024

describe('codec memory across jobs', () => {
  it('keeps one memory for a stream of jobs: it reaches its high-water mark and stays there', async () => {
    const codec = await Codec.create(codecWasm)
    const photo = fixture('generated/photo-4000x3000.jpg')
    const sizes: number[] = []
    for (let i = 0; i < 3; i++) {
      codec.begin()
      const [image] = codec.decodeResized(photo, { width: 2048, height: 1536 }, [{ width: 2048, height: 1536 }]).images as [WasmImage]
      codec.encode(image, 82)
      codec.release(image)
      codec.end()
      sizes.push(codec.memoryBytes)
    }
    // A recycled instance would start again from its initial 1 MiB.
    expect(sizes[0]).toBeGreaterThan(8 * MiB)
    expect(new Set(sizes).size).toBe(1)
  })

  it('fails a job that would grow memory past the ceiling, then works again', async () => {
    const codec = await Codec.create(codecWasm, { maxMemoryBytes: 8 * MiB })
    const photo = fixture('generated/photo-4000x3000.jpg')
    codec.begin()
    expect(() => codec.decodeResized(photo, { width: 4000, height: 3000 }, [{ width: 4000, height: 3000 }])).toThrow(ImageDecodeError)
    codec.end()
    const small = fixture('exif-orientation/Landscape_1.jpg')
    codec.begin()
    const [image] = codec.decodeResized(small, { width: 100, height: 100 }, [{ width: 100, height: 75 }]).images as [WasmImage]
    expect(codec.encode(image, 82).byteLength).toBeGreaterThan(100)
    codec.release(image)
    codec.end()
    expect(codec.memoryBytes).toBeLessThanOrEqual(8 * MiB)
  })

  it('reserves blocks for a decoder in its memory and frees them for reuse', async () => {
    const codec = await Codec.create(codecWasm)
    codec.begin()
    const a = codec.reserve(4 * MiB)
    codec.releaseReserved()
    const b = codec.reserve(4 * MiB)
    expect(b.byteOffset).toBe(a.byteOffset)
    codec.releaseReserved()
    codec.end()
  })

  it.each([
    [1920, 1080],
    [800, 533],
    [200, 133],
  ])('encodes a %ix%i variant of noise as WebP and AVIF within the plan', async (width, height) => {
    for (const format of ['webp', 'avif'] as const) {
      // A fresh instance per encode, so any growth it causes shows.
      const codec = await Codec.create(codecWasm)
      const data = codec.reserve(width * height * 4)
      let seed = 1
      for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 255 : (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
      const before = codec.memoryBytes
      const file = format === 'webp' ? codec.encodeWebp({ width, height, data }, 80, 4) : codec.encodeAvif({ width, height, data }, 60, 7)
      expect(file.byteLength, format).toBeGreaterThan(100)
      expect(codec.memoryBytes - before, format).toBeLessThanOrEqual(modernEncodeBytes({ width, height }))
    }
  })
})
