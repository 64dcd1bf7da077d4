/** JPEG as read at upload: the frame header, EXIF orientation, and whether libjpeg keeps every coefficient. */
import { exifOrientation, hasExifPrefix } from './exif'
import { unreadable, type JpegLayout, type SniffResult } from './header'

// SOF markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc

export function readJpeg(b: Uint8Array): SniffResult {
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
    if (marker === 0xe1 && orientation === 1 && end <= b.length && hasExifPrefix(b, start)) {
      orientation = exifOrientation(b.subarray(start, end))
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
      const scan = firstScan(b, end)
      const allCoefficients = progressive || (scan.components !== null && scan.components < components.length)
      const layout: JpegLayout = { kind: 'jpeg', components, allCoefficients }
      return { ok: true, header: { format: 'jpeg', width, height, orientation, progressive, layout }, complete: scan.reached }
    }
    pos = end
  }
  return unreadable('The JPEG file ends before its frame header.')
}

/** Whether the first scan header (SOS) after `pos` is in the bytes, and how many components it holds (null if unknown). */
function firstScan(b: Uint8Array, pos: number): { reached: boolean; components: number | null } {
  const none = { reached: false, components: null }
  for (;;) {
    pos = nextMarker(b, pos)
    if (pos + 1 >= b.length) return none
    const marker = b[pos + 1]!
    pos += 2
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue
    // An image without a scan: nothing more to wait for.
    if (marker === 0xd9) return { reached: true, components: null }
    if (pos + 2 > b.length) return none
    if (marker === 0xda) return { reached: true, components: pos + 2 < b.length ? b[pos + 2]! : null }
    const length = (b[pos]! << 8) | b[pos + 1]!
    if (length < 2) return { reached: true, components: null }
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
