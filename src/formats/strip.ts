/**
 * The original's coded data without its metadata, for a variant at the original's size and format:
 * no re-encode, so lossless and never bigger than the original. What decides how the pixels look
 * stays (JPEG: JFIF, the ICC profile, Adobe's colour transform flag; PNG: every critical chunk and
 * iCCP, sRGB, gAMA, cHRM, sBIT, tRNS, bKGD, pHYs), so a non-sRGB image keeps its profile and looks
 * as the original does in a colour-managed browser. EXIF (with its GPS position), XMP, IPTC,
 * comments and text go. Pure: returns undefined when the structure is not what it expects, and the
 * caller encodes instead.
 */
import { PNG_SIGNATURE } from './png'

const ICC_ID = [0x49, 0x43, 0x43, 0x5f, 0x50, 0x52, 0x4f, 0x46, 0x49, 0x4c, 0x45, 0x00] // "ICC_PROFILE\0"

/** Markers kept before the scan: APP0 (JFIF), APP2 when it is ICC_PROFILE, APP14 (Adobe). The rest of APPn and COM go. */
function keepJpegSegment(marker: number, body: Uint8Array): boolean {
  if (marker === 0xfe) return false // COM
  if (marker < 0xe0 || marker > 0xef) return true // tables, frame, restart interval...
  if (marker === 0xe0 || marker === 0xee) return true
  return marker === 0xe2 && ICC_ID.every((b, i) => body[i] === b)
}

/**
 * Frames every browser decodes: baseline, extended and progressive Huffman (SOF0-2). libjpeg-turbo
 * also reads arithmetic coding (SOF9-10, DAC), which Chromium's build does not: such a file is
 * re-encoded, not passed on.
 */
const WEB_FRAMES = new Set([0xc0, 0xc1, 0xc2])
const isFrameOrArithmetic = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8

export function stripJpeg(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined
  const parts: Uint8Array[] = [bytes.subarray(0, 2)]
  let pos = 2
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined
    const marker = bytes[pos + 1]!
    if (marker === 0xff) {
      pos++ // fill byte
      continue
    }
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!
    if (length < 2 || pos + 2 + length > bytes.length) return undefined
    if (isFrameOrArithmetic(marker) && !WEB_FRAMES.has(marker)) return undefined
    if (marker === 0xda) {
      parts.push(bytes.subarray(pos)) // SOS: the entropy-coded data and everything after, as it is
      return concat(parts)
    }
    if (keepJpegSegment(marker, bytes.subarray(pos + 4, pos + 2 + length))) parts.push(bytes.subarray(pos, pos + 2 + length))
    pos += 2 + length
  }
  return undefined
}

const PNG_KEPT = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'iCCP', 'sRGB', 'gAMA', 'cHRM', 'sBIT', 'tRNS', 'bKGD', 'pHYs'])

export function stripPng(bytes: Uint8Array): Uint8Array | undefined {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return undefined
  const parts: Uint8Array[] = [bytes.subarray(0, 8)]
  let pos = 8
  while (pos + 12 <= bytes.length) {
    const length = ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0
    const end = pos + 12 + length
    if (end > bytes.length) return undefined
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8))
    // Unknown critical chunks (upper-case first letter) stay: a decoder needs them.
    if (PNG_KEPT.has(type) || (type.charCodeAt(0) & 0x20) === 0) parts.push(bytes.subarray(pos, end))
    if (type === 'IEND') return concat(parts)
    pos = end
  }
  return undefined
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
