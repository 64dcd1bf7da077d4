/**
 * The reducing decoder (strips of STRIP_PIXELS, runs split across strips, interlaced passes
 * accumulated pixel by pixel and averaged in place) gives exactly the box average of the pixels
 * the test wrote into the file. Files are built here, with stored-but-compressed scanlines.
 */
import { describe, expect, it } from 'vitest'
import { chunk } from './encoder'
import { reductionFactor, STRIP_PIXELS } from '../../formats/geometry'
import { decodePngWithCodec } from './test-codec'

interface Shape {
  width: number
  height: number
  colorType: 0 | 2 | 4 | 6
  bitDepth: number
  interlaced: boolean
}
const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 } as const
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] // prettier-ignore

/** Deterministic samples (a small LCG), so a failure reproduces. */
function samples(s: Shape): Uint16Array {
  const out = new Uint16Array(s.width * s.height * CHANNELS[s.colorType])
  const max = 2 ** s.bitDepth
  let seed = 12345
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    out[i] = (seed >>> 8) % max
  }
  return out
}

async function buildPng(s: Shape, v: Uint16Array): Promise<Uint8Array> {
  const ch = CHANNELS[s.colorType]
  const raw: number[] = []
  for (const [x0, y0, dx, dy] of s.interlaced ? ADAM7 : [[0, 0, 1, 1]]) {
    for (let y = y0!; y < s.height; y += dy!) {
      if (x0! >= s.width) break
      raw.push(0)
      let acc = 0
      let bits = 0
      for (let x = x0!; x < s.width; x += dx!) {
        for (let c = 0; c < ch; c++) {
          const sample = v[(y * s.width + x) * ch + c]!
          if (s.bitDepth === 16) raw.push(sample >> 8, sample & 255)
          else if (s.bitDepth === 8) raw.push(sample)
          else {
            acc = (acc << s.bitDepth) | sample
            bits += s.bitDepth
            if (bits === 8) (raw.push(acc), (acc = 0), (bits = 0))
          }
        }
      }
      if (bits) raw.push(acc << (8 - bits))
    }
  }
  const idat = new Uint8Array(await new Response(new Blob([new Uint8Array(raw)]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer())
  const ihdr = new Uint8Array(13)
  const dv = new DataView(ihdr.buffer)
  dv.setUint32(0, s.width)
  dv.setUint32(4, s.height)
  ihdr.set([s.bitDepth, s.colorType, 0, 0, s.interlaced ? 1 : 0], 8)
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
  return out
}


/** RGBA8 of each pixel, as the PNG specification maps samples, then the alpha-weighted box average. */
function expected(s: Shape, v: Uint16Array, k: number): Uint8ClampedArray {
  const ch = CHANNELS[s.colorType]
  const to8 = (x: number) => (s.bitDepth === 16 ? (x * 255 + 32895) >> 16 : (x * 255) / (2 ** s.bitDepth - 1))
  const ow = Math.ceil(s.width / k)
  const oh = Math.ceil(s.height / k)
  const out = new Uint8ClampedArray(ow * oh * 4)
  const alpha = s.colorType === 4 || s.colorType === 6
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const sum = [0, 0, 0, 0]
      let count = 0
      for (let y = oy * k; y < Math.min(s.height, oy * k + k); y++) {
        for (let x = ox * k; x < Math.min(s.width, ox * k + k); x++) {
          const p = (y * s.width + x) * ch
          const grey = s.colorType === 0 || s.colorType === 4
          const rgb = grey ? [to8(v[p]!), to8(v[p]!), to8(v[p]!)] : [to8(v[p]!), to8(v[p + 1]!), to8(v[p + 2]!)]
          const a = alpha ? to8(v[p + ch - 1]!) : 255
          const w = alpha ? a : 1
          for (let c = 0; c < 3; c++) sum[c]! += rgb[c]! * w
          sum[3]! += a
          count++
        }
      }
      const o = (oy * ow + ox) * 4
      if (!alpha) [out[o], out[o + 1], out[o + 2], out[o + 3]] = [sum[0]! / count, sum[1]! / count, sum[2]! / count, 255]
      else if (sum[3] === 0) out.fill(0, o, o + 4)
      else [out[o], out[o + 1], out[o + 2], out[o + 3]] = [sum[0]! / sum[3]!, sum[1]! / sum[3]!, sum[2]! / sum[3]!, sum[3]! / count]
    }
  }
  return out
}

const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

describe('reduced PNG decoding equals the box average of the written pixels', () => {
  const wide = STRIP_PIXELS * 2 + 809
  const cases: [string, Shape, number][] = [
    ['1-bit grey wider than two strips, k=7', { width: wide, height: 9, colorType: 0, bitDepth: 1, interlaced: false }, 7],
    ['2-bit grey interlaced, wide, k=3', { width: wide, height: 10, colorType: 0, bitDepth: 2, interlaced: true }, 3],
    ['grey+alpha 8-bit, wide, k=5', { width: wide, height: 6, colorType: 4, bitDepth: 8, interlaced: false }, 5],
    ['RGBA 8-bit interlaced, k=2 (32-bit sums)', { width: 301, height: 203, colorType: 6, bitDepth: 8, interlaced: true }, 2],
    ['RGB 8-bit interlaced, k=4 (16-bit sums)', { width: 250, height: 97, colorType: 2, bitDepth: 8, interlaced: true }, 4],
    ['RGBA 16-bit interlaced, k=13', { width: 400, height: 120, colorType: 6, bitDepth: 16, interlaced: true }, 13],
    ['grey 8-bit interlaced, wide, k=1', { width: wide, height: 5, colorType: 0, bitDepth: 8, interlaced: true }, 1],
  ]
  it.each(cases)('%s', async (_name, shape, k) => {
    const values = samples(shape)
    const png = await buildPng(shape, values)
    const min = { width: Math.ceil(shape.width / k), height: Math.ceil(shape.height / k) }
    const factor = reductionFactor(shape.width, shape.height, k === 1 ? Infinity : min.width, k === 1 ? Infinity : min.height)
    const decoded = await decodePngWithCodec(png, k === 1 ? Infinity : min.width, k === 1 ? Infinity : min.height)
    expect(decoded.factor).toBe(factor)
    const want = expected(shape, values, decoded.factor)
    expect([decoded.width, decoded.height]).toEqual([Math.ceil(shape.width / decoded.factor), Math.ceil(shape.height / decoded.factor)])
    expect(firstDifference(decoded.data, want)).toBe(-1)
  })
})
