/**
 * What an uploaded file is, read from its bytes alone: the client's
 * Content-Type and file name are never trusted.
 */
import { crc32 } from '../processor/png/checksum'

export type ImageFormat = 'jpeg' | 'png'

export interface ImageHeader {
  format: ImageFormat
  /** Size as stored in the file (before EXIF orientation). */
  width: number
  height: number
  /** EXIF orientation 1..8 (1 when absent or unreadable). */
  orientation: number
  /** Progressive JPEGs need all coefficients in memory while decoding. */
  progressive: boolean
  /** What the memory and CPU plan (plan.ts) needs beyond the size. */
  layout: PngLayout | JpegLayout
}

export interface PngLayout {
  kind: 'png'
  bitDepth: number
  colorType: number
  interlaced: boolean
  /** An alpha channel, or a tRNS chunk before the image data (the decoder then averages with alpha weights). */
  alpha: boolean
  /** IDAT chunks and their payload bytes in the bytes given (the whole upload). */
  idatChunks: number
  idatBytes: number
}

export interface JpegLayout {
  kind: 'jpeg'
  /** Sampling factors per component, from the frame header. */
  components: { h: number; v: number }[]
  /**
   * libjpeg keeps every coefficient of the image when the file is progressive or its first scan
   * holds fewer components than the frame (a non-interleaved baseline file, one scan per
   * component). Without a scan header in the bytes given it is false: libjpeg allocates the
   * coefficients only once it reads one, and the processor plans again from the whole file.
   */
  allCoefficients: boolean
}

export type SniffResult =
  | { ok: true; header: ImageHeader }
  | { ok: false; reason: 'unsupported' | 'unreadable'; detail: string }

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

export function sniffImage(bytes: Uint8Array): SniffResult {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes)
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return readPng(bytes)
  return { ok: false, reason: 'unsupported', detail: 'Only JPEG and PNG images are accepted.' }
}

const unreadable = (detail: string): SniffResult => ({ ok: false, reason: 'unreadable', detail })

function readPng(b: Uint8Array): SniffResult {
  // IHDR must be the first chunk: length 13 at offset 8, type at 12.
  if (b.length < 33) return unreadable('The PNG file is truncated before its IHDR header.')
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const type = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!)
  if (type !== 'IHDR' || view.getUint32(8) !== 13) return unreadable('The PNG file does not start with an IHDR header.')
  const width = view.getUint32(16)
  const height = view.getUint32(20)
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    return unreadable('The PNG header has an invalid width or height.')
  }
  const colorType = b[25]!
  const chunks = walkChunks(b, view)
  const alpha = colorType === 4 || colorType === 6 || chunks.tRNS
  const layout: PngLayout = { kind: 'png', bitDepth: b[24]!, colorType, interlaced: b[28] === 1, alpha, idatChunks: chunks.idatChunks, idatBytes: chunks.idatBytes }
  return { ok: true, header: { format: 'png', width, height, orientation: pngOrientation(b, view), progressive: false, layout } }
}

/** Walks the chunk headers (no CRCs: cheap) counting IDAT chunks, whose number drives the decode's CPU. */
function walkChunks(b: Uint8Array, view: DataView): { idatChunks: number; idatBytes: number; tRNS: boolean } {
  let idatChunks = 0
  let idatBytes = 0
  let tRNS = false
  for (let pos = 8; pos + 8 <= b.length; ) {
    const length = view.getUint32(pos)
    if (b[pos + 4] === 0x74 && b[pos + 5] === 0x52 && b[pos + 6] === 0x4e && b[pos + 7] === 0x53) tRNS ||= idatChunks === 0
    if (b[pos + 4] === 0x49 && b[pos + 5] === 0x44 && b[pos + 6] === 0x41 && b[pos + 7] === 0x54) {
      idatChunks++
      idatBytes += Math.min(length, b.length - pos - 8)
    } else if (b[pos + 4] === 0x49 && b[pos + 5] === 0x45 && b[pos + 6] === 0x4e && b[pos + 7] === 0x44) break
    pos += 12 + length
  }
  return { idatChunks, idatBytes, tRNS }
}

/**
 * Counts a PNG's IDAT chunks as its bytes stream past, as walkChunks does over
 * whole bytes (chunk headers only, no CRCs): an upload's count, which drives the
 * decode's CPU, is known only once the whole file went by.
 */
export class PngChunkCounter {
  idatChunks = 0
  idatBytes = 0
  private skip = 8 // the signature
  private readonly head = new Uint8Array(8)
  private have = 0
  private done = false

  push(b: Uint8Array): void {
    let i = 0
    while (i < b.length && !this.done) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - i)
        this.skip -= n
        i += n
        continue
      }
      const n = Math.min(8 - this.have, b.length - i)
      this.head.set(b.subarray(i, i + n), this.have)
      this.have += n
      i += n
      if (this.have < 8) break
      const h = this.head
      const length = ((h[0]! << 24) >>> 0) + (h[1]! << 16) + (h[2]! << 8) + h[3]!
      if (h[4] === 0x49 && h[5] === 0x44 && h[6] === 0x41 && h[7] === 0x54) {
        this.idatChunks++
        this.idatBytes += length
      } else if (h[4] === 0x49 && h[5] === 0x45 && h[6] === 0x4e && h[7] === 0x44) this.done = true
      this.skip = length + 4
      this.have = 0
    }
  }
}

/**
 * Whether the bytes reach a JPEG's first scan header (SOS), which says whether
 * libjpeg will keep every coefficient; junk between segments is skipped as libjpeg does.
 */
export function jpegReachesScan(b: Uint8Array): boolean {
  let pos = 2
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) {
      pos++
      continue
    }
    const marker = b[pos + 1]!
    if (marker === 0xff) pos++
    else if (marker === 0xda) return true
    else if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0x00) pos += 2
    else pos += 2 + ((b[pos + 2]! << 8) | b[pos + 3]!)
  }
  return false
}

/**
 * Orientation from an eXIf chunk placed before the image data, if any. A chunk whose CRC does not
 * match is dropped, as libpng and the decoder drop damaged ancillary chunks.
 */
function pngOrientation(b: Uint8Array, view: DataView): number {
  let pos = 8
  while (pos + 12 <= b.length) {
    const length = view.getUint32(pos)
    const type = String.fromCharCode(b[pos + 4]!, b[pos + 5]!, b[pos + 6]!, b[pos + 7]!)
    if (type === 'IDAT' || type === 'IEND') return 1
    if (type === 'eXIf') {
      const end = pos + 8 + length
      if (end + 4 > b.length || crc32(0, b, pos + 4, end) !== view.getUint32(end)) return 1
      return tiffOrientation(b, pos + 8, end)
    }
    pos += 12 + length
  }
  return 1
}

// SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc

function readJpeg(b: Uint8Array): SniffResult {
  let pos = 2
  let orientation = 1
  for (;;) {
    pos = nextMarker(b, pos)
    if (pos + 1 >= b.length) break
    const marker = b[pos + 1]!
    pos += 2
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue
    if (marker === 0xd9 || marker === 0xda) return unreadable('The JPEG file has no frame header before its image data.')
    if (pos + 2 > b.length) break
    const length = (b[pos]! << 8) | b[pos + 1]!
    if (length < 2) return unreadable('The JPEG file has a malformed segment length.')
    const start = pos + 2
    const end = pos + length
    if (marker === 0xe1 && orientation === 1 && end <= b.length && isExif(b, start)) {
      orientation = tiffOrientation(b, start + 6, end)
    }
    if (isSof(marker)) {
      if (start + 5 > b.length) break
      const height = (b[start + 1]! << 8) | b[start + 2]!
      const width = (b[start + 3]! << 8) | b[start + 4]!
      if (width === 0 || height === 0) return unreadable('The JPEG frame header has a zero width or height.')
      const progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce
      const components: { h: number; v: number }[] = []
      const count = start + 5 < b.length ? b[start + 5]! : 0
      for (let i = 0, c = start + 6; i < count && c + 1 < Math.min(end, b.length); i++, c += 3) {
        // Factors 1..4 are legal; libjpeg refuses others, so clamping only matters for the estimate.
        const f = b[c + 1]!
        components.push({ h: Math.min(4, Math.max(1, f >> 4)), v: Math.min(4, Math.max(1, f & 15)) })
      }
      if (components.length === 0) components.push({ h: 1, v: 1 })
      const scan = firstScanComponents(b, end)
      const allCoefficients = progressive || (scan !== null && scan < components.length)
      const layout: JpegLayout = { kind: 'jpeg', components, allCoefficients }
      return { ok: true, header: { format: 'jpeg', width, height, orientation, progressive, layout } }
    }
    pos = end
  }
  return unreadable('The JPEG file ends before its frame header.')
}

/** The number of components in the first scan (SOS) after `pos`, or null when none is in the bytes. */
function firstScanComponents(b: Uint8Array, pos: number): number | null {
  for (;;) {
    pos = nextMarker(b, pos)
    if (pos + 1 >= b.length) return null
    const marker = b[pos + 1]!
    pos += 2
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue
    if (marker === 0xd9) return null
    if (pos + 2 > b.length) return null
    if (marker === 0xda) return pos + 2 < b.length ? b[pos + 2]! : null
    const length = (b[pos]! << 8) | b[pos + 1]!
    if (length < 2) return null
    pos += length
  }
}

/**
 * Position of the next marker (0xFF, then a byte that is neither 0x00 nor 0xFF) at or after
 * `pos`, skipping what lies in between as libjpeg does: junk bytes between segments (it warns
 * "N extraneous bytes before marker" and reads on), fill bytes (0xFF padding) and stuffed FF 00.
 * Returns b.length when there is none.
 */
function nextMarker(b: Uint8Array, pos: number): number {
  for (; pos + 1 < b.length; pos++) {
    if (b[pos] === 0xff && b[pos + 1] !== 0x00 && b[pos + 1] !== 0xff) return pos
  }
  return b.length
}

const isExif = (b: Uint8Array, p: number) =>
  b[p] === 0x45 && b[p + 1] === 0x78 && b[p + 2] === 0x69 && b[p + 3] === 0x66 && b[p + 4] === 0 && b[p + 5] === 0

/** Tag 0x0112 of IFD0 in a TIFF structure spanning [start, end); 1 when absent or malformed. */
export function tiffOrientation(b: Uint8Array, start: number, end: number): number {
  if (end - start < 8) return 1
  const little = b[start] === 0x49 && b[start + 1] === 0x49
  if (!little && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return 1
  const view = new DataView(b.buffer, b.byteOffset + start, end - start)
  const u16 = (o: number) => view.getUint16(o, little)
  if (u16(2) !== 42) return 1
  const ifd = view.getUint32(4, little)
  if (ifd + 2 > view.byteLength) return 1
  const count = u16(ifd)
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12
    if (entry + 12 > view.byteLength) return 1
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8)
      return value >= 1 && value <= 8 ? value : 1
    }
  }
  return 1
}

/** Orientations 5..8 swap width and height when displayed. */
export const displayedSize = (h: Pick<ImageHeader, 'width' | 'height' | 'orientation'>) =>
  h.orientation >= 5 ? { width: h.height, height: h.width } : { width: h.width, height: h.height }
