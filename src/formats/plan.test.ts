/**
 * Each adversarial shape gets its decision from the header alone, for the reason that applies;
 * ordinary and cap-sized images fit. Headers come from the sniffer on real or header-only files.
 */
import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import type { ImageHeader, JpegLayout, PngLayout } from './header'
import { sniffImage } from './sniff'
import { coefficientBytes, DEFAULT_LIMITS, encodeBytes, MAX_ENCODE_CPU_MS, planDecode, pngEncodeBytes, WASM_CEILING, ZLIB_INFLATER_BYTES } from './plan'

const MiB = 1024 * 1024
const sniffed = (name: string): ImageHeader => {
  const r = sniffImage(fixture(name))
  if (!r.ok) throw new Error(r.detail)
  return r.header
}
const png = (width: number, height: number, layout: Partial<PngLayout> = {}): ImageHeader => ({
  format: 'png',
  width,
  height,
  orientation: 1,
  progressive: false,
  layout: { kind: 'png', bitDepth: 8, colorType: 2, interlaced: false, alpha: false, idatChunks: 1, idatBytes: 1000, ...layout },
})
const jpeg = (width: number, height: number, layout: Partial<JpegLayout> = {}, progressive = false): ImageHeader => ({
  format: 'jpeg',
  width,
  height,
  orientation: 1,
  progressive,
  layout: { kind: 'jpeg', components: [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }], allCoefficients: progressive, ...layout },
})

describe('decode plan: refused', () => {
  it('a 1-bit PNG of 100,000,000x1 (side over libpng limit)', () => {
    const plan = planDecode(sniffed('hostile/png-100000000x1-1bit.png'))
    expect(plan.ok).toBe(false)
    expect(plan.reason).toMatch(/100000000x1.*1000000 pixels/)
  })

  it('a PNG of 1x100,000,000 (extreme aspect ratio)', () => {
    expect(planDecode(sniffed('hostile/png-1x100000000-header.png')).reason).toMatch(/1x100000000.*1000000 pixels/)
  })

  it('an interlaced RGBA PNG of 5757x3239, whose whole-image sums need ~71 MiB', () => {
    const plan = planDecode(sniffed('hostile/png-5757x3239-interlaced-rgba.png'))
    expect(plan.ok).toBe(false)
    expect(plan.parts.accumulator).toBe(2879 * 1620 * 4 * 4)
    expect(plan.reason).toMatch(/about 1\d\d MiB of memory; the limit is 96 MiB/)
  })

  it('a non-interleaved baseline JPEG of 30 MP (keeps every coefficient)', () => {
    const header = sniffed('hostile/jpeg-6708x4472-non-interleaved-header.jpg')
    expect(header.progressive).toBe(false)
    expect(header.layout).toMatchObject({ allCoefficients: true })
    expect(planDecode(header).reason).toMatch(/non-interleaved.*6708x4472.*keeps every coefficient/)
  })

  it('a progressive 4:4:4 JPEG of 12 MP (6 bytes of coefficients per pixel)', () => {
    const plan = planDecode(jpeg(4000, 3000, { components: [{ h: 1, v: 1 }, { h: 1, v: 1 }, { h: 1, v: 1 }] }, true))
    expect(plan.reason).toMatch(/progressive JPEG of 4000x3000/)
  })

  it('a PNG split into 464,600 one-byte IDAT chunks (a structural cap, not only CPU)', () => {
    expect(planDecode(png(1500, 1250, { idatChunks: 464_600 })).reason).toMatch(/464600 IDAT chunks; at most 100000/)
  })

  it('a PNG whose CPU estimate is over the per-image budget (interlaced at the pixel cap)', () => {
    // 100 MP at 36 ns (Adam7) is 3.6 s; the same image not interlaced (24 ns) fits.
    expect(planDecode(png(10000, 10000, { interlaced: true })).reason).toMatch(/about 3\.6 s of CPU; the limit is 3\.0 s per image/)
    expect(planDecode(png(10000, 10000)).ok).toBe(true)
  })

  it('counts every IDAT chunk in the CPU estimate (2 µs each since zlib runs in the codec, was 6)', () => {
    const few = planDecode(png(1000, 100_000, { idatChunks: 1_000 }))
    const many = planDecode(png(1000, 100_000, { idatChunks: 99_000 }))
    expect(many.ok).toBe(true)
    expect(many.cpuMs - few.cpuMs).toBeCloseTo(98_000 * 0.002, 6)
  })

  it('anything over the pixel cap, whatever its layout', () => {
    expect(planDecode(png(20000, 20000, { bitDepth: 1, colorType: 0 })).reason).toMatch(/20000x20000 \(400\.0 MP\); the limit is 100\.0 MP/)
  })
})

describe('decode plan: accepted, inside the budgets', () => {
  const accepted: [string, ImageHeader][] = [
    ['PNG at the pixel cap (10000x10000 RGB)', png(10000, 10000)],
    ['PNG 1,000,000x100 1-bit (longest side allowed)', png(1_000_000, 100, { bitDepth: 1, colorType: 0 })],
    ['16-bit RGBA PNG of 1,000,000x1', png(1_000_000, 1, { bitDepth: 16, colorType: 6, alpha: true })],
    ['opaque interlaced RGB PNG of 5757x3239 (16-bit sums)', png(5757, 3239, { interlaced: true })],
    ['interlaced RGBA PNG of 1600x1200', sniffed('hostile/png-1600x1200-interlaced-rgba.png')],
    ['1500x1250 PNG in ~5,500 one-byte IDAT chunks', sniffed('hostile/png-1500x1250-tiny-idat.png')],
    ['baseline JPEG at the pixel cap (10000x10000)', jpeg(10000, 10000)],
    ['progressive 4:2:0 JPEG of 16 MP', jpeg(4000, 4000, {}, true)],
    ['non-interleaved JPEG of 320x240', sniffed('hostile/jpeg-320x240-non-interleaved.jpg')],
  ]
  it.each(accepted)('%s', (_name, header) => {
    const plan = planDecode(header)
    expect(plan.reason).toBe('')
    expect(plan.ok).toBe(true)
    expect(plan.peakBytes).toBeLessThanOrEqual(DEFAULT_LIMITS.memoryBytes)
    expect(plan.cpuMs).toBeLessThanOrEqual(DEFAULT_LIMITS.cpuMs)
  })
})

describe('coefficient bytes, as libjpeg allocates them (128 bytes per block, rounded to whole MCUs)', () => {
  it('4:2:0 is 3 bytes per pixel on MCU-aligned sizes, 4:4:4 is 6, grey is 2', () => {
    expect(coefficientBytes(4000, 4000, [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }])).toBe(4000 * 4000 * 3)
    expect(coefficientBytes(800, 600, [{ h: 1, v: 1 }, { h: 1, v: 1 }, { h: 1, v: 1 }])).toBe(800 * 600 * 6)
    expect(coefficientBytes(800, 600, [{ h: 1, v: 1 }])).toBe(800 * 600 * 2)
  })
  it('rounds partial blocks and MCUs up', () => {
    // 17x17 at 4:2:0: luma 3x3 blocks rounded to 4x4 (2x2 MCUs), chroma 2x2 blocks each.
    expect(coefficientBytes(17, 17, [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }])).toBe((16 + 4 + 4) * 128)
  })
  it('the 16 MP progressive cap fits the codec cap with its slack', () => {
    expect(coefficientBytes(4000, 4000, [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }])).toBeLessThan(46 * MiB)
  })
})

describe('zlib in the codec, in the plan', () => {
  it("counts the inflater's kept buffers for every image, PNG or JPEG", () => {
    expect(planDecode(png(640, 480)).parts.zlib).toBe(ZLIB_INFLATER_BYTES)
    const withoutZlib = planDecode(jpeg(640, 480)).parts.wasm! - ZLIB_INFLATER_BYTES
    expect(withoutZlib).toBeGreaterThan(0)
  })

  it("gives a PNG encode of the largest variant its deflate state and zlib's worst-case output", () => {
    const bytes = pngEncodeBytes({ width: 1920, height: 1080 })
    // deflateBound is never below the filtered rows (stored blocks), and the state is ~264 KB.
    expect(bytes).toBeGreaterThan(1921 * 4 * 1080 + 256 * 1024)
    // A 1920x1080 RGB PNG at the pixel cap: still within the ceiling with the encode counted.
    expect(planDecode(png(10000, 10000)).ok).toBe(true)
  })

  it('keeps the worst accepted Adam7 PNG (5440x3060 RGBA) under the 96 MiB peak with zlib counted', () => {
    const plan = planDecode(png(5440, 3060, { interlaced: true, colorType: 6, alpha: true }))
    expect(plan.ok).toBe(true)
    expect(plan.peakBytes).toBeLessThanOrEqual(96 * MiB)
  })
})

describe('the encodes in the plan', () => {
  it("counts the largest variant's AVIF encode after the decode, within the ceiling", () => {
    // A small JPEG decodes in little memory: its plan is its encode's.
    const small = planDecode(jpeg(1920, 1080))
    expect(small.parts.wasm).toBeGreaterThanOrEqual(encodeBytes({ width: 1920, height: 1080 }))
    expect(encodeBytes({ width: 1920, height: 1080 })).toBeLessThan(WASM_CEILING)
    // An image at the coefficient cap is bounded by its decode, not by the sum of both phases.
    expect(planDecode(jpeg(4000, 4000, {}, true)).ok).toBe(true)
  })

  it('estimates encode CPU from the variant sizes, bounded by the presets', () => {
    expect(planDecode(jpeg(100, 100)).encodeCpuMs).toBeLessThan(planDecode(jpeg(4000, 3000)).encodeCpuMs)
    expect(planDecode(jpeg(4000, 3000)).encodeCpuMs).toBeLessThanOrEqual(MAX_ENCODE_CPU_MS)
    expect(planDecode(png(10000, 10000)).encodeCpuMs).toBeLessThanOrEqual(MAX_ENCODE_CPU_MS)
  })
})
