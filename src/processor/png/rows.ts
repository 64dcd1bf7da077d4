import { PNG_CHANNELS, rowBytesFor, STRIP_PIXELS } from '../../formats/geometry'
import { ImageDecodeError } from '../errors'
import type { PngInfo as ImageHeader } from './decoder'

/**
 * Turns the inflated IDAT byte stream into a box-reduced RGBA8 image, one scanline at a time:
 * unfilter against the previous row, convert to RGBA8, add into an accumulator sized to the
 * reduced image (or write straight to the output when the factor is 1).
 */

export interface Transparency {
  /** Palette as RGBA, 256 entries (alpha from tRNS, else 255); null unless colour type 3. */
  palette: Uint8Array | null
  paletteSize: number
  /** Colour key from tRNS for grey (r only) / RGB, as raw samples; -1 = none. */
  keyR: number
  keyG: number
  keyB: number
  /** Colour type has alpha or a tRNS chunk was present. */
  hasAlpha: boolean
}

interface Pass {
  x0: number
  y0: number
  dx: number
  dy: number
  w: number
  h: number
  rowBytes: number
}

/** Adam7 pass origins and steps: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const




function passesFor(h: ImageHeader): Pass[] {
  const list = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const)
  const passes: Pass[] = []
  for (const [x0, y0, dx, dy] of list) {
    const w = Math.ceil((h.width - x0) / dx)
    const hh = Math.ceil((h.height - y0) / dy)
    // An empty pass has no scanlines and no filter bytes at all.
    if (w > 0 && hh > 0) passes.push({ x0, y0, dx, dy, w, h: hh, rowBytes: rowBytesFor(w, h.colorType, h.bitDepth) })
  }
  return passes
}

type Acc = Uint16Array | Uint32Array | Float64Array

/**
 * Gives the decoder one block of `bytes` for all its buffers (8-byte aligned). The view must stay
 * valid until the decode ends: render.ts reserves it in the codec's WASM memory, which nothing
 * grows during a PNG decode.
 */
export type Reserve = (bytes: number) => Uint8Array<ArrayBuffer>
const reserveInJs: Reserve = (bytes) => new Uint8Array(bytes)

/** Offsets of consecutive buffers, each 8-byte aligned (Float64Array sums need it). */
function carve(sizes: number[]): { offsets: number[]; total: number } {
  const offsets: number[] = []
  let total = 0
  for (const size of sizes) {
    offsets.push(total)
    total += Math.ceil(size / 8) * 8
  }
  return { offsets, total }
}

export class RowSink {
  readonly outWidth: number
  readonly outHeight: number
  /** For an interlaced reduction, a view over the accumulator's bytes, filled in place by finish(). */
  readonly data: Uint8ClampedArray
  private readonly out8: Uint8Array
  private readonly out32: Uint32Array
  private readonly passes: Pass[]
  private readonly bpp: number
  private cur: Uint8Array
  private prev: Uint8Array
  /** A strip of STRIP_PIXELS converted RGBA pixels, used when a row is not read straight from the scanline. */
  private readonly rgba: Uint8Array
  private readonly rgba32: Uint32Array
  private readonly acc: Acc | null
  private readonly direct: 0 | 3 | 4
  private readonly bitsPerPixel: number

  private passIndex = 0
  private pass: Pass
  private rowInPass = 0
  /** Bytes of the current scanline received; -1 while waiting for its filter-type byte. */
  private filled = -1
  private filter = 0

  constructor(
    private readonly hdr: ImageHeader,
    private readonly tr: Transparency,
    private readonly k: number,
    reserve: Reserve = reserveInJs,
  ) {
    const { width, height, colorType, bitDepth, interlaced } = hdr
    this.outWidth = Math.ceil(width / k)
    this.outHeight = Math.ceil(height / k)
    this.passes = passesFor(hdr)
    this.pass = this.passes[0]!
    // Filter byte distance: bytes per complete pixel, at least 1.
    this.bpp = Math.max(1, (PNG_CHANNELS[colorType]! * bitDepth) >> 3)
    // Rows carry bpp leading zero bytes, so filters need no special case for the first pixel.
    const rowLen = this.bpp + rowBytesFor(width, colorType, bitDepth)
    this.bitsPerPixel = PNG_CHANNELS[colorType]! * bitDepth
    this.direct = bitDepth !== 8 ? 0 : colorType === 6 ? 4 : colorType === 2 && !tr.hasAlpha ? 3 : 0
    const needRgba = k === 1 ? interlaced : !this.direct
    // A strip, not a row: a row of width*4 bytes is what a 1-bit 100,000,000x1 file would make us allocate.
    const rgbaBytes = needRgba ? Math.min(width, STRIP_PIXELS) * 4 : 0
    const outBytes = this.outWidth * this.outHeight * 4
    // Interlaced images need sums for the whole reduced image, so use the narrowest type that
    // holds a sum: k*k*255 for opaque images (16 bits up to k = 16), k*k*255*255 weighted by
    // alpha (int32 up to k = 181).
    const accLength = k > 1 ? this.outWidth * 4 * (interlaced ? this.outHeight : 1) : 0
    const max = k * k * 255 * (tr.hasAlpha ? 255 : 1)
    const accElement = k === 1 ? 0 : max <= 0xffff ? 2 : max <= 0x7fffffff ? 4 : 8
    // The interlaced accumulator is averaged into its own first bytes (see finish), so the
    // output costs nothing on top of it: the accumulator is the peak of an interlaced decode.
    const ownOutput = !(accLength && interlaced)
    // Every buffer of the decode is carved from one block reserved up front (docs/memory-plan.md:
    // in the codec's WASM memory, reused from job to job; views stay valid as nothing grows it meanwhile).
    const layout = carve([rowLen, rowLen, rgbaBytes, accLength * accElement, ownOutput ? outBytes : 0])
    const block = reserve(layout.total)
    block.fill(0) // reserved memory is not zeroed; filters and sums start from zeros
    const at = (i: number) => block.byteOffset + layout.offsets[i]!
    this.cur = new Uint8Array(block.buffer, at(0), rowLen)
    this.prev = new Uint8Array(block.buffer, at(1), rowLen)
    this.rgba = new Uint8Array(block.buffer, at(2), rgbaBytes)
    this.rgba32 = new Uint32Array(block.buffer, at(2), rgbaBytes / 4)
    const Acc = accElement === 2 ? Uint16Array : accElement === 4 ? Uint32Array : Float64Array
    this.acc = accLength ? new Acc(block.buffer, at(3), accLength) : null
    const outAt = ownOutput ? at(4) : at(3)
    this.data = new Uint8ClampedArray(block.buffer, outAt, outBytes)
    this.out8 = new Uint8Array(block.buffer, outAt, outBytes)
    this.out32 = new Uint32Array(block.buffer, outAt, outBytes / 4)
  }

  get complete(): boolean {
    return this.passIndex >= this.passes.length
  }

  /** Inflated bytes pushed after the last scanline (libpng: "Too much image data"). */
  ignored = 0

  /** Takes the next inflated bytes; any beyond the last scanline are ignored, as libpng only warns about them. */
  push(chunk: Uint8Array): void {
    const n = chunk.length
    let i = 0
    while (i < n) {
      if (this.passIndex >= this.passes.length) {
        this.ignored += n - i
        return
      }
      if (this.filled < 0) {
        const f = chunk[i++]!
        if (f > 4) throw new ImageDecodeError(`Invalid filter type ${f} in scanline`)
        this.filter = f
        this.filled = 0
        continue
      }
      const rowBytes = this.pass.rowBytes
      const take = Math.min(rowBytes - this.filled, n - i)
      this.cur.set(chunk.subarray(i, i + take), this.bpp + this.filled)
      this.filled += take
      i += take
      if (this.filled === rowBytes) {
        this.row()
        this.filled = -1
      }
    }
  }

  /** Call after the last byte: checks completeness and flushes the reduction. */
  finish(): void {
    if (!this.complete) throw new ImageDecodeError('Not enough image data: the IDAT stream ends before the last scanline')
    if (this.acc && this.hdr.interlaced) {
      // In place and in order: pixel i's bytes overwrite only accumulator elements at or before
      // element i, whose sums have already been read.
      for (let oy = 0; oy < this.outHeight; oy++) this.flushRow(oy, oy * this.outWidth * 4)
    }
  }

  private row(): void {
    const p = this.pass
    const bpp = this.bpp
    unfilter(this.filter, this.cur, this.prev, bpp, bpp + p.rowBytes)
    const y = p.y0 + this.rowInPass * p.dy
    this.emit(y, p)
    const t = this.cur
    this.cur = this.prev
    this.prev = t
    if (++this.rowInPass === p.h) {
      this.rowInPass = 0
      this.prev.fill(0)
      if (++this.passIndex < this.passes.length) this.pass = this.passes[this.passIndex]!
    }
  }

  private emit(y: number, p: Pass): void {
    const { width, interlaced } = this.hdr
    const k = this.k
    const alpha = this.tr.hasAlpha
    const acc = this.acc
    if (!acc) {
      if (!interlaced) {
        this.convert(0, width, this.out8, y * width * 4)
        return
      }
      const out32 = this.out32
      const rgba32 = this.rgba32
      for (let i0 = 0; i0 < p.w; i0 += STRIP_PIXELS) {
        const n = Math.min(STRIP_PIXELS, p.w - i0)
        this.convert(i0, n, this.rgba, 0)
        for (let i = 0, o = y * width + p.x0 + i0 * p.dx; i < n; i++, o += p.dx) out32[o] = rgba32[i]!
      }
      return
    }
    const oy = Math.floor(y / k)
    const base = interlaced ? oy * this.outWidth * 4 : 0
    const direct = this.direct
    if (direct) {
      // 8-bit RGB(A) is read straight from the scanline.
      if (!interlaced) alpha ? accumulateRunsAlpha(this.cur, this.bpp, 0, width, k, acc) : accumulateRunsOpaque(this.cur, this.bpp, direct, 0, width, k, acc)
      else if (alpha) accumulateMappedAlpha(this.cur, this.bpp, p.w, p.x0, p.dx, k, acc, base)
      else accumulateMappedOpaque(this.cur, this.bpp, direct, p.w, p.x0, p.dx, k, acc, base)
    } else {
      for (let i0 = 0; i0 < p.w; i0 += STRIP_PIXELS) {
        const n = Math.min(STRIP_PIXELS, p.w - i0)
        this.convert(i0, n, this.rgba, 0)
        const x0 = p.x0 + i0 * p.dx
        if (!interlaced) alpha ? accumulateRunsAlpha(this.rgba, 0, x0, n, k, acc) : accumulateRunsOpaque(this.rgba, 0, 4, x0, n, k, acc)
        else if (alpha) accumulateMappedAlpha(this.rgba, 0, n, x0, p.dx, k, acc, base)
        else accumulateMappedOpaque(this.rgba, 0, 4, n, x0, p.dx, k, acc, base)
      }
    }
    if (!interlaced && (y % k === k - 1 || y === this.hdr.height - 1)) {
      this.flushRow(oy, 0)
      acc.fill(0)
    }
  }

  /** Converts pixels [i0, i0 + n) of the current scanline to RGBA8 at dst[d]. */
  private convert(i0: number, n: number, dst: Uint8Array, d: number): void {
    const bits = i0 * this.bitsPerPixel
    const { colorType, bitDepth } = this.hdr
    convertRow(this.cur, this.bpp + Math.floor(bits / 8), n, dst, d, colorType, bitDepth, this.tr, bits % 8)
  }

  /** Averages one output row out of the accumulator at `base`. */
  private flushRow(oy: number, base: number): void {
    const { width, height } = this.hdr
    const k = this.k
    const acc = this.acc!
    const data = this.data
    const rows = Math.min(k, height - oy * k)
    const alpha = this.tr.hasAlpha
    let d = oy * this.outWidth * 4
    for (let ox = 0, o = base; ox < this.outWidth; ox++, o += 4, d += 4) {
      const count = rows * Math.min(k, width - ox * k)
      // Assigning to a Uint8ClampedArray rounds to nearest.
      if (!alpha) {
        data[d] = acc[o]! / count
        data[d + 1] = acc[o + 1]! / count
        data[d + 2] = acc[o + 2]! / count
        data[d + 3] = 255
      } else {
        const a = acc[o + 3]!
        if (a === 0) {
          data[d] = data[d + 1] = data[d + 2] = data[d + 3] = 0
        } else {
          data[d] = acc[o]! / a
          data[d + 1] = acc[o + 1]! / a
          data[d + 2] = acc[o + 2]! / a
          data[d + 3] = a / count
        }
      }
    }
  }
}

/** Reverses the scanline filter in place; cur and prev start with bpp zero bytes. */
function unfilter(type: number, cur: Uint8Array, prev: Uint8Array, bpp: number, end: number): void {
  switch (type) {
    case 1:
      for (let i = bpp; i < end; i++) cur[i] = cur[i]! + cur[i - bpp]!
      break
    case 2:
      for (let i = bpp; i < end; i++) cur[i] = cur[i]! + prev[i]!
      break
    case 3:
      for (let i = bpp; i < end; i++) cur[i] = cur[i]! + ((cur[i - bpp]! + prev[i]!) >> 1)
      break
    case 4:
      if (bpp === 3) paeth3(cur, prev, end)
      else if (bpp === 4) paeth4(cur, prev, end)
      else {
        for (let i = bpp; i < end; i++) {
          const a = cur[i - bpp]!
          const b = prev[i]!
          const c = prev[i - bpp]!
          const pa = Math.abs(b - c)
          const pb = Math.abs(a - c)
          const pc = Math.abs(a + b - 2 * c)
          const useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
          const useB = ~useA & ((pb - pc - 1) >> 31)
          cur[i] = cur[i]! + ((a & useA) | (b & useB) | (c & ~(useA | useB)))
        }
      }
      break
  }
}

/*
 * Paeth is the filter photos mostly get, so it is the hottest loop. Its three-way choice is
 * unpredictable on photos, and mispredicted branches made it ~3x slower than selecting with
 * masks: useA is -1 when pa <= pb && pa <= pc, useB is -1 when not a and pb <= pc.
 * The 3- and 4-byte versions (8-bit RGB/RGBA) also keep left and upper-left in registers (~20%).
 */
function paeth3(cur: Uint8Array, prev: Uint8Array, end: number): void {
  let a0 = 0, a1 = 0, a2 = 0, c0 = 0, c1 = 0, c2 = 0 // prettier-ignore
  for (let i = 3; i < end; i += 3) {
    let b = prev[i]!
    let pa = Math.abs(b - c0), pb = Math.abs(a0 - c0), pc = Math.abs(a0 + b - 2 * c0) // prettier-ignore
    let useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    let useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i] = a0 = (cur[i]! + ((a0 & useA) | (b & useB) | (c0 & ~(useA | useB)))) & 255
    c0 = b
    b = prev[i + 1]!
    pa = Math.abs(b - c1), pb = Math.abs(a1 - c1), pc = Math.abs(a1 + b - 2 * c1) // prettier-ignore
    useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i + 1] = a1 = (cur[i + 1]! + ((a1 & useA) | (b & useB) | (c1 & ~(useA | useB)))) & 255
    c1 = b
    b = prev[i + 2]!
    pa = Math.abs(b - c2), pb = Math.abs(a2 - c2), pc = Math.abs(a2 + b - 2 * c2) // prettier-ignore
    useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i + 2] = a2 = (cur[i + 2]! + ((a2 & useA) | (b & useB) | (c2 & ~(useA | useB)))) & 255
    c2 = b
  }
}

function paeth4(cur: Uint8Array, prev: Uint8Array, end: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0 // prettier-ignore
  for (let i = 4; i < end; i += 4) {
    let b = prev[i]!
    let pa = Math.abs(b - c0), pb = Math.abs(a0 - c0), pc = Math.abs(a0 + b - 2 * c0) // prettier-ignore
    let useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    let useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i] = a0 = (cur[i]! + ((a0 & useA) | (b & useB) | (c0 & ~(useA | useB)))) & 255
    c0 = b
    b = prev[i + 1]!
    pa = Math.abs(b - c1), pb = Math.abs(a1 - c1), pc = Math.abs(a1 + b - 2 * c1) // prettier-ignore
    useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i + 1] = a1 = (cur[i + 1]! + ((a1 & useA) | (b & useB) | (c1 & ~(useA | useB)))) & 255
    c1 = b
    b = prev[i + 2]!
    pa = Math.abs(b - c2), pb = Math.abs(a2 - c2), pc = Math.abs(a2 + b - 2 * c2) // prettier-ignore
    useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i + 2] = a2 = (cur[i + 2]! + ((a2 & useA) | (b & useB) | (c2 & ~(useA | useB)))) & 255
    c2 = b
    b = prev[i + 3]!
    pa = Math.abs(b - c3), pb = Math.abs(a3 - c3), pc = Math.abs(a3 + b - 2 * c3) // prettier-ignore
    useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31
    useB = ~useA & ((pb - pc - 1) >> 31)
    cur[i + 3] = a3 = (cur[i + 3]! + ((a3 & useA) | (b & useB) | (c3 & ~(useA | useB)))) & 255
    c3 = b
  }
}

/**
 * Converts n pixels of an unfiltered scanline (from src[off]) to RGBA8 at dst[d].
 * One loop per format so the inner loops carry no format branches. 16-bit samples become
 * round(v * 255 / 65535), computed exactly as (v * 255 + 32895) >> 16.
 */
export function convertRow(
  src: Uint8Array,
  off: number,
  n: number,
  dst: Uint8Array,
  d: number,
  colorType: number,
  bitDepth: number,
  tr: Transparency,
  /** Bit position of the first pixel in src[off], for depths below 8. */
  bit0 = 0,
): void {
  const kr = tr.keyR
  const kg = tr.keyG
  const kb = tr.keyB
  switch (colorType) {
    case 0: {
      if (bitDepth === 8) {
        for (let i = 0; i < n; i++, d += 4) {
          const g = src[off + i]!
          dst[d] = dst[d + 1] = dst[d + 2] = g
          dst[d + 3] = g === kr ? 0 : 255
        }
      } else if (bitDepth === 16) {
        for (let i = 0, s = off; i < n; i++, s += 2, d += 4) {
          const v = (src[s]! << 8) | src[s + 1]!
          dst[d] = dst[d + 1] = dst[d + 2] = (v * 255 + 32895) >> 16
          dst[d + 3] = v === kr ? 0 : 255
        }
      } else {
        const mask = (1 << bitDepth) - 1
        const scale = 255 / mask
        for (let i = 0, bit = bit0; i < n; i++, bit += bitDepth, d += 4) {
          const v = (src[off + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & mask
          dst[d] = dst[d + 1] = dst[d + 2] = v * scale
          dst[d + 3] = v === kr ? 0 : 255
        }
      }
      return
    }
    case 2: {
      if (bitDepth === 8) {
        for (let i = 0, s = off; i < n; i++, s += 3, d += 4) {
          const r = src[s]!
          const g = src[s + 1]!
          const b = src[s + 2]!
          dst[d] = r
          dst[d + 1] = g
          dst[d + 2] = b
          dst[d + 3] = r === kr && g === kg && b === kb ? 0 : 255
        }
      } else {
        for (let i = 0, s = off; i < n; i++, s += 6, d += 4) {
          const r = (src[s]! << 8) | src[s + 1]!
          const g = (src[s + 2]! << 8) | src[s + 3]!
          const b = (src[s + 4]! << 8) | src[s + 5]!
          dst[d] = (r * 255 + 32895) >> 16
          dst[d + 1] = (g * 255 + 32895) >> 16
          dst[d + 2] = (b * 255 + 32895) >> 16
          dst[d + 3] = r === kr && g === kg && b === kb ? 0 : 255
        }
      }
      return
    }
    case 3: {
      // All 256 entries exist: indexes past the PLTE are opaque black (see decoder.ts).
      const pal = tr.palette!
      const mask = (1 << bitDepth) - 1
      for (let i = 0, bit = bit0; i < n; i++, bit += bitDepth, d += 4) {
        const idx = bitDepth === 8 ? src[off + i]! : (src[off + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & mask
        const p = idx * 4
        dst[d] = pal[p]!
        dst[d + 1] = pal[p + 1]!
        dst[d + 2] = pal[p + 2]!
        dst[d + 3] = pal[p + 3]!
      }
      return
    }
    case 4: {
      if (bitDepth === 8) {
        for (let i = 0, s = off; i < n; i++, s += 2, d += 4) {
          dst[d] = dst[d + 1] = dst[d + 2] = src[s]!
          dst[d + 3] = src[s + 1]!
        }
      } else {
        for (let i = 0, s = off; i < n; i++, s += 4, d += 4) {
          dst[d] = dst[d + 1] = dst[d + 2] = (((src[s]! << 8) | src[s + 1]!) * 255 + 32895) >> 16
          dst[d + 3] = (((src[s + 2]! << 8) | src[s + 3]!) * 255 + 32895) >> 16
        }
      }
      return
    }
    case 6: {
      if (bitDepth === 8) {
        dst.set(src.subarray(off, off + n * 4), d)
      } else {
        for (let i = 0, s = off; i < n * 4; i++, s += 2) dst[d + i] = (((src[s]! << 8) | src[s + 1]!) * 255 + 32895) >> 16
      }
      return
    }
  }
}

/*
 * Accumulators. Non-interlaced rows arrive in order, so a single output row is summed at a time
 * and each run of source pixels inside one output column is added up in registers first; a strip
 * may start inside a run. Interlaced passes jump around, so their pixels go to an accumulator
 * covering the whole reduced image, the output column followed incrementally (dx <= 8).
 * Alpha-weighted variants sum c*a and a, so transparent pixels carry no colour into the average.
 * Pixels [x0, x0 + n) of the image row are read from src[off] on.
 */

function accumulateRunsOpaque(src: Uint8Array, off: number, stride: number, x0: number, n: number, k: number, acc: Acc): void {
  const xEnd = x0 + n
  let o = Math.floor(x0 / k)
  let next = (o + 1) * k
  o *= 4
  for (let x = x0, s = off; x < xEnd; o += 4, next += k) {
    const end = Math.min(next, xEnd)
    let r = 0
    let g = 0
    let b = 0
    for (; x < end; x++, s += stride) {
      r += src[s]!
      g += src[s + 1]!
      b += src[s + 2]!
    }
    acc[o] = acc[o]! + r
    acc[o + 1] = acc[o + 1]! + g
    acc[o + 2] = acc[o + 2]! + b
  }
}

function accumulateRunsAlpha(src: Uint8Array, off: number, x0: number, n: number, k: number, acc: Acc): void {
  const xEnd = x0 + n
  let o = Math.floor(x0 / k)
  let next = (o + 1) * k
  o *= 4
  for (let x = x0, s = off; x < xEnd; o += 4, next += k) {
    const end = Math.min(next, xEnd)
    let r = 0
    let g = 0
    let b = 0
    let a = 0
    for (; x < end; x++, s += 4) {
      const al = src[s + 3]!
      r += src[s]! * al
      g += src[s + 1]! * al
      b += src[s + 2]! * al
      a += al
    }
    acc[o] = acc[o]! + r
    acc[o + 1] = acc[o + 1]! + g
    acc[o + 2] = acc[o + 2]! + b
    acc[o + 3] = acc[o + 3]! + a
  }
}

function accumulateMappedOpaque(src: Uint8Array, off: number, stride: number, n: number, x0: number, dx: number, k: number, acc: Acc, base: number): void {
  let ox = Math.floor(x0 / k)
  let next = (ox + 1) * k
  for (let i = 0, s = off, x = x0; i < n; i++, s += stride, x += dx) {
    while (x >= next) {
      ox++
      next += k
    }
    const o = base + ox * 4
    acc[o] = acc[o]! + src[s]!
    acc[o + 1] = acc[o + 1]! + src[s + 1]!
    acc[o + 2] = acc[o + 2]! + src[s + 2]!
  }
}

function accumulateMappedAlpha(src: Uint8Array, off: number, n: number, x0: number, dx: number, k: number, acc: Acc, base: number): void {
  let ox = Math.floor(x0 / k)
  let next = (ox + 1) * k
  for (let i = 0, s = off, x = x0; i < n; i++, s += 4, x += dx) {
    while (x >= next) {
      ox++
      next += k
    }
    const o = base + ox * 4
    const al = src[s + 3]!
    acc[o] = acc[o]! + src[s]! * al
    acc[o + 1] = acc[o + 1]! + src[s + 1]! * al
    acc[o + 2] = acc[o + 2]! + src[s + 2]! * al
    acc[o + 3] = acc[o + 3]! + al
  }
}
