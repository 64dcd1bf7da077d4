/** PNG as read at upload: IHDR, the chunk layout the decode plan needs, and eXIf orientation. */
import { crc32 } from '../lib/crc32'
import { exifOrientation } from './exif'
import { unreadable, type PngLayout, type SniffResult } from './header'

/** The eight bytes every PNG starts with. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const

export function readPng(b: Uint8Array): SniffResult {
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
  return { ok: true, header: { format: 'png', width, height, orientation: pngOrientation(b, view), progressive: false, layout }, complete: chunks.reachedData }
}

/** Walks the chunk headers (no CRCs: cheap) counting IDAT chunks, whose number drives the decode's CPU. */
function walkChunks(b: Uint8Array, view: DataView): { idatChunks: number; idatBytes: number; tRNS: boolean; reachedData: boolean } {
  let idatChunks = 0
  let idatBytes = 0
  let tRNS = false
  for (let pos = 8; pos + 8 <= b.length; ) {
    const length = view.getUint32(pos)
    if (b[pos + 4] === 0x74 && b[pos + 5] === 0x52 && b[pos + 6] === 0x4e && b[pos + 7] === 0x53) tRNS ||= idatChunks === 0
    if (b[pos + 4] === 0x49 && b[pos + 5] === 0x44 && b[pos + 6] === 0x41 && b[pos + 7] === 0x54) {
      idatChunks++
      idatBytes += Math.min(length, b.length - pos - 8)
    } else if (b[pos + 4] === 0x49 && b[pos + 5] === 0x45 && b[pos + 6] === 0x4e && b[pos + 7] === 0x44) return { idatChunks, idatBytes, tRNS, reachedData: true }
    pos += 12 + length
  }
  return { idatChunks, idatBytes, tRNS, reachedData: idatChunks > 0 }
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
      return exifOrientation(b.subarray(pos + 8, end))
    }
    pos += 12 + length
  }
  return 1
}

