/**
 * The original's coded data without its metadata: what a variant of the original's size and format
 * is (issue 13: never re-encode what needs no resizing, so it is lossless and never bigger). What
 * decides how the image looks stays: JPEG's JFIF (APP0), ICC profile (APP2) and Adobe (APP14,
 * colour transform) segments; PNG's palette, transparency and colour chunks (iCCP, sRGB, gAMA,
 * cHRM, sBIT). What goes: EXIF, XMP, comments, text, times. Callers use it only for images whose
 * EXIF orientation is 1, since dropping EXIF drops the orientation.
 */
import { PNG_SIGNATURE } from './png'

const JPEG_KEEP = new Set([0xe0, 0xe2, 0xee])

/** The JPEG without APPn (except APP0, APP2, APP14) and COM segments; null if its structure is not as expected. */
export function stripJpeg(b: Uint8Array): Uint8Array | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null
  const parts: Uint8Array[] = [b.subarray(0, 2)]
  let pos = 2
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return null
    const marker = b[pos + 1]!
    if (marker === 0xff) {
      pos++
      continue
    }
    // From the first scan on, everything is image data (and later tables), kept as it is.
    if (marker === 0xda) {
      parts.push(b.subarray(pos))
      return concat(parts)
    }
    const end = pos + 2 + ((b[pos + 2]! << 8) | b[pos + 3]!)
    if (end > b.length) return null
    const metadata = (marker >= 0xe0 && marker <= 0xef && !JPEG_KEEP.has(marker)) || marker === 0xfe
    if (!metadata) parts.push(b.subarray(pos, end))
    pos = end
  }
  return null
}

const PNG_KEEP = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND', 'iCCP', 'sRGB', 'gAMA', 'cHRM', 'sBIT'])

/** The PNG with only the chunks that decide its pixels and colours; null if its structure is not as expected. */
export function stripPng(b: Uint8Array): Uint8Array | null {
  if (b.length < 8 || !PNG_SIGNATURE.every((v, i) => b[i] === v)) return null
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const parts: Uint8Array[] = [b.subarray(0, 8)]
  for (let pos = 8; pos + 12 <= b.length; ) {
    const end = pos + 12 + view.getUint32(pos)
    if (end > b.length) return null
    const type = String.fromCharCode(b[pos + 4]!, b[pos + 5]!, b[pos + 6]!, b[pos + 7]!)
    if (PNG_KEEP.has(type)) parts.push(b.subarray(pos, end))
    if (type === 'IEND') return concat(parts)
    pos = end
  }
  return null
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
