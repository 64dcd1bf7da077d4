/**
 * Independent decoders (jsquash's mozjpeg and Rust png) to read variants back
 * in tests: checking our output with our own decoders would prove little.
 */
import jpegDecode, { init as initJpegDecode } from '@jsquash/jpeg/decode.js'
import jpegDecWasm from '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm?module'
import pngDecode, { init as initPngDecode } from '@jsquash/png/decode.js'
import pngWasm from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm?module'

let ready: Promise<unknown> | undefined
const init = () => (ready ??= Promise.all([initJpegDecode(jpegDecWasm), initPngDecode(pngWasm)]))

export interface Decoded {
  width: number
  height: number
  data: Uint8ClampedArray
}

export async function referenceDecode(bytes: Uint8Array): Promise<Decoded> {
  await init()
  const buf = bytes.slice().buffer
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50
  const img = isPng ? await pngDecode(buf) : await jpegDecode(buf)
  return { width: img.width, height: img.height, data: img.data }
}

/** Box-downscales to w x h (RGBA), for comparing images at a common size. */
export function downscale(img: Decoded, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h * 4)
  const count = new Float64Array(w * h)
  for (let y = 0; y < img.height; y++) {
    const oy = Math.min(h - 1, Math.floor((y * h) / img.height))
    for (let x = 0; x < img.width; x++) {
      const ox = Math.min(w - 1, Math.floor((x * w) / img.width))
      const o = oy * w + ox
      const i = (y * img.width + x) * 4
      for (let c = 0; c < 4; c++) out[o * 4 + c]! += img.data[i + c]!
      count[o]!++
    }
  }
  for (let o = 0; o < w * h; o++) for (let c = 0; c < 4; c++) out[o * 4 + c]! /= count[o]!
  return out
}

/** Mean absolute difference of RGB channels (0..255) between two images brought to the same size. */
export function meanAbsDiff(a: Decoded, b: Decoded, w = 24, h = 16): number {
  const da = downscale(a, w, h)
  const db = downscale(b, w, h)
  let sum = 0
  let n = 0
  for (let i = 0; i < da.length; i++) {
    if (i % 4 === 3) continue
    sum += Math.abs(da[i]! - db[i]!)
    n++
  }
  return sum / n
}
