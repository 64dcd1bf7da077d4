/**
 * Colour management end to end: each profile-tagged original is uploaded, its
 * variants made by the queue consumer, read back with an independent decoder,
 * and their colours compared with ImageMagick's colour-managed sRGB rendering
 * of the same file (test/fixtures/colour/expected.json, a 16x12 grid of block
 * means). A broken profile must give a completed image read as sRGB.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { meanDeltaE76 } from './colour-difference'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'
import { downscale, referenceDecode } from './reference'

/** Mean CIE76 over the grid; JPEG re-encoding and resampling stay well under it, a dropped profile is 5-20. */
const MAX_MEAN_DELTA_E = 2

const expected: { grid: [number, number]; colours: Record<string, number[]> } = JSON.parse(new TextDecoder().decode(fixture('colour/expected.json')))

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

describe('colour-managed variants', () => {
  it.each(Object.keys(expected.colours))('%s: every variant is sRGB with the reference colours', async (name) => {
    const res = await call(uploadRequest(token, fixture(`colour/${name}`)))
    expect(res.status).toBe(202)
    const { id } = await res.json<{ id: string }>()
    const lines: string[] = []
    // The fallback is a warning (lib/log.ts); capture every level.
    const spies = (['log', 'warn', 'error'] as const).map((level) => {
      const real = console[level].bind(console)
      return vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '))
        real(...args)
      })
    })
    try {
      await runQueue(queue.take())
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
    const fallbacks = lines.filter((line) => line.includes('"colour.fallback"'))
    // A broken profile is logged (once per variant job) and read as sRGB; a good one is never logged.
    if (name.startsWith('broken')) expect(fallbacks[0]).toContain(id)
    else expect(fallbacks).toEqual([])
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('completed')
    expect(meta.variants).toHaveLength(3)
    const [w, h] = expected.grid
    const errors: string[] = []
    for (const v of meta.variants) {
      const decoded = await referenceDecode(new Uint8Array(await (await call(new Request(v.url))).arrayBuffer()))
      const dE = meanDeltaE76(downscale(decoded, w, h), expected.colours[name]!, 4, 3)
      if (!(dE <= MAX_MEAN_DELTA_E)) errors.push(`${v.name} ${decoded.width}x${decoded.height}: mean dE76 ${dE.toFixed(2)}`)
    }
    expect(errors).toEqual([])
  })
})

/**
 * PNG gAMA without iCCP/sRGB/cHRM, as browsers render it: samples are decoded
 * with the file's exponent (100000 / gAMA) to linear light on sRGB primaries,
 * then sRGB-encoded. Computed here from the raw samples, independently of lcms.
 * PngSuite g*n2c08 (RGB) and g05n0g16 (16-bit grey; g04, gAMA 45000, counts as sRGB) at 32x32: variants keep the size and are PNG (lossless).
 */
describe('PNG gAMA is applied', () => {
  const srgbEncode = (linear: number) => 255 * (linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055)
  const gama = (bytes: Uint8Array): number => {
    for (let pos = 8; pos + 12 <= bytes.length; ) {
      const view = new DataView(bytes.buffer, bytes.byteOffset)
      const length = view.getUint32(pos)
      if (String.fromCharCode(...bytes.subarray(pos + 4, pos + 8)) === 'gAMA') return view.getUint32(pos + 8)
      pos += 12 + length
    }
    throw new Error('no gAMA')
  }

  it.each(['g03n2c08.png', 'g10n2c08.png', 'g25n2c08.png', 'g05n0g16.png'])('%s', async (name) => {
    const original = fixture(`pngsuite/${name}`)
    const exponent = 100000 / gama(original)
    const source = await referenceDecode(original) // raw samples, gAMA ignored
    const res = await call(uploadRequest(token, original))
    const { id } = await res.json<{ id: string }>()
    await runQueue(queue.take())
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('completed')
    const large = meta.variants.find((v: any) => v.name === 'large')
    const variant = await referenceDecode(new Uint8Array(await (await call(new Request(large.url))).arrayBuffer()))
    expect([variant.width, variant.height]).toEqual([source.width, source.height])
    let sum = 0
    let untouched = 0
    for (let i = 0; i < source.data.length; i++) {
      if (i % 4 === 3) continue
      sum += Math.abs(variant.data[i]! - srgbEncode((source.data[i]! / 255) ** exponent))
      untouched += Math.abs(variant.data[i]! - source.data[i]!)
    }
    const n = (source.data.length / 4) * 3
    // Within 1.5 levels on average of the analytic rendering, and visibly not the raw samples.
    expect(sum / n).toBeLessThan(1.5)
    expect(untouched / n).toBeGreaterThan(3)
  })
})
