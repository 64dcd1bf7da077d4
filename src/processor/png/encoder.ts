/**
 * A small PNG encoder for variants: 8-bit RGB, or RGBA when any pixel is not
 * opaque; each row gets the filter with the smallest sum of absolute values
 * (libpng's heuristic), and the platform's CompressionStream does the deflate.
 * jsquash's encoder wrote a 640x480 gradient variant as 315 KB where this
 * writes 120 KB (41 KB for the unresampled source), and it needed a WASM
 * instance of its own.
 */
import { crc32 } from '../../lib/crc32'

export interface RgbaPixels {
  width: number
  height: number
  /** RGBA, 4 bytes per pixel, straight alpha. */
  data: Uint8ClampedArray | Uint8Array
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

export async function encodePng(pixels: RgbaPixels): Promise<Uint8Array> {
  const { width, height, data } = pixels
  const hasAlpha = anyTransparent(data)
  const bpp = hasAlpha ? 4 : 3
  const rowBytes = width * bpp

  const deflate = new CompressionStream('deflate')
  const writer = deflate.writable.getWriter()
  // Read while writing: the compressed side must drain or the writes stall.
  const compressed = new Response(deflate.readable).arrayBuffer()
  let prev = new Uint8Array(rowBytes)
  let cur = new Uint8Array(rowBytes)
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(rowBytes + 1))
  // Rows go to the compressor in pieces of about 256 KB: a write per row costs more than the filtering.
  const rowsPerPiece = Math.max(1, Math.floor((256 * 1024) / (rowBytes + 1)))
  let piece = new Uint8Array(rowsPerPiece * (rowBytes + 1))
  let used = 0
  for (let y = 0; y < height; y++) {
    packRow(data, y * width * 4, width, hasAlpha, cur)
    piece.set(filterRow(cur, prev, bpp, candidates), used)
    used += rowBytes + 1
    if (used === piece.length || y === height - 1) {
      // The stream keeps the piece: the next one gets a buffer of its own.
      await writer.write(piece.subarray(0, used))
      piece = new Uint8Array(piece.length)
      used = 0
    }
    ;[prev, cur] = [cur, prev]
  }
  await writer.close()
  const idat = new Uint8Array(await compressed)

  const ihdr = new Uint8Array(13)
  const view = new DataView(ihdr.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  ihdr.set([8, hasAlpha ? 6 : 2, 0, 0, 0], 8)
  const parts = [new Uint8Array(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array())]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

function anyTransparent(data: Uint8ClampedArray | Uint8Array): boolean {
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true
  return false
}

function packRow(data: Uint8ClampedArray | Uint8Array, from: number, width: number, alpha: boolean, out: Uint8Array): void {
  if (alpha) {
    out.set(data.subarray(from, from + width * 4))
    return
  }
  for (let x = 0, s = from, d = 0; x < width; x++, s += 4, d += 3) {
    out[d] = data[s]!
    out[d + 1] = data[s + 1]!
    out[d + 2] = data[s + 2]!
  }
}

/** Fills each candidate with [filter type, filtered bytes...] and returns the one with the smallest sum of |signed byte|. */
function filterRow(cur: Uint8Array, prev: Uint8Array, bpp: number, candidates: Uint8Array[]): Uint8Array {
  const n = cur.length
  // One loop per filter keeps the per-byte work branch-free.
  const [none, sub, up, avg, paeth] = candidates as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  none[0] = 0
  none.set(cur, 1)
  sub[0] = 1
  up[0] = 2
  avg[0] = 3
  paeth[0] = 4
  for (let i = 0; i < n; i++) {
    const a = i >= bpp ? cur[i - bpp]! : 0
    const b = prev[i]!
    const c = i >= bpp ? prev[i - bpp]! : 0
    const x = cur[i]!
    sub[i + 1] = x - a
    up[i + 1] = x - b
    avg[i + 1] = x - ((a + b) >> 1)
    const p = a + b - c
    const pa = Math.abs(p - a)
    const pb = Math.abs(p - b)
    const pc = Math.abs(p - c)
    paeth[i + 1] = x - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
  }
  let best = none
  let bestScore = Infinity
  for (const out of candidates) {
    let score = 0
    for (let i = 1; i <= n; i++) {
      const v = out[i]!
      score += v < 128 ? v : 256 - v
    }
    if (score < bestScore) {
      bestScore = score
      best = out
    }
  }
  return best
}

/** One PNG chunk: length, type, body, CRC. */
export function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, body.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(body, 8)
  view.setUint32(8 + body.length, crc32(0, out, 4, 8 + body.length))
  return out
}
