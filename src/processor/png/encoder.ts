/**
 * A small PNG encoder for variants: 8-bit RGB, or RGBA when any pixel is not opaque; each row
 * gets the filter with the smallest sum of absolute values (libpng's heuristic). Filtering and
 * deflate run in the codec (codec/jpeg/png.c, zlib), reading the pixels where the resampler
 * left them; JS only frames the chunks. jsquash's encoder wrote a 640x480 gradient variant as
 * 315 KB where this writes ~100 KB, and it needed a WASM instance of its own.
 */
import { PNG_SIGNATURE } from '../../formats/png'
import { crc32 } from '../../lib/crc32'

export interface RgbaPixels {
  width: number
  height: number
  /** RGBA, 4 bytes per pixel, straight alpha. */
  data: Uint8ClampedArray | Uint8Array
}

/** The codec's side (jpeg/decoder.ts's Codec). */
export interface PngDeflater {
  /** True when any pixel's alpha is not 255. */
  anyTransparent(pixels: RgbaPixels): boolean
  /**
   * Filters and deflates the rows (RGB, or RGBA with `alpha`) into a zlib stream and hands it to
   * `use` as a view of codec memory, valid only during the call.
   */
  deflateRows(pixels: RgbaPixels, alpha: boolean, zlib: ZlibSettings, use: (idat: Uint8Array) => void): void
}

export interface ZlibSettings {
  /** zlib's compression level, 0-9. */
  level: number
  /** zlib's strategy: 0 default, 1 filtered, 2 Huffman only, 3 RLE. */
  strategy: number
}

/**
 * zlib level 4 (default strategy) on the filtered rows, measured by scripts/bench-png-zlib.mjs against
 * sharp's default PNG (level 6, no filtering; docs/memory-plan.md): on a noisy 1296x1080 variant
 * 1730 KB in ~380 ms where sharp wrote 2227 KB in ~120 ms and our level 6 took ~980 ms for 6% less;
 * on a smooth 640x480 gradient 56 KB (level 6: 41, sharp: 232). Z_RLE was faster still on noise
 * but doubled the smooth image (110 KB), and smooth images are what PNG variants mostly are.
 */
export const ZLIB_SETTINGS: ZlibSettings = { level: 4, strategy: 0 }


export function encodePng(pixels: RgbaPixels, codec: PngDeflater, zlib: ZlibSettings = ZLIB_SETTINGS): Uint8Array {
  const { width, height } = pixels
  const hasAlpha = codec.anyTransparent(pixels)
  const ihdr = new Uint8Array(13)
  const view = new DataView(ihdr.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  ihdr.set([8, hasAlpha ? 6 : 2, 0, 0, 0], 8)
  let out = new Uint8Array(0)
  codec.deflateRows(pixels, hasAlpha, zlib, (idat) => {
    // One allocation, the file itself: the zlib stream is copied once, straight into its chunk.
    out = new Uint8Array(PNG_SIGNATURE.length + (12 + 13) + (12 + idat.length) + 12)
    out.set(PNG_SIGNATURE)
    let at = writeChunk(out, PNG_SIGNATURE.length, 'IHDR', ihdr)
    at = writeChunk(out, at, 'IDAT', idat)
    writeChunk(out, at, 'IEND', new Uint8Array(0))
  })
  return out
}

/** Writes one chunk (length, type, body, CRC) into `out` at `at`; returns the offset after it. */
function writeChunk(out: Uint8Array, at: number, type: string, body: Uint8Array): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setUint32(at, body.length)
  for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i)
  out.set(body, at + 8)
  view.setUint32(at + 8 + body.length, crc32(0, out, at + 4, at + 8 + body.length))
  return at + 12 + body.length
}

/** One PNG chunk: length, type, body, CRC. */
export function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length)
  writeChunk(out, 0, type, body)
  return out
}
