/**
 * The geometry of decoding each format: how far the decoders reduce an image while decoding and
 * how long a PNG scanline is. Shared by the decode plan (made at upload, from the header) and by
 * the decoders themselves, so the plan's figures are the decoders' own.
 */

/** libjpeg's smallest DCT scale M/8 whose output still covers minWidth x minHeight. */
export function chooseScale(width: number, height: number, minWidth: number, minHeight: number): { num: number; denom: number } {
  for (let m = 1; m < 8; m++) {
    if (Math.ceil((width * m) / 8) >= minWidth && Math.ceil((height * m) / 8) >= minHeight) return { num: m, denom: 8 }
  }
  return { num: 8, denom: 8 }
}

/** Largest k with ceil(w/k) >= minWidth and ceil(h/k) >= minHeight, at least 1 (the PNG decoder's box factor). */
export function reductionFactor(width: number, height: number, minWidth: number, minHeight: number): number {
  const limit = (size: number, min: number): number => {
    if (Number.isNaN(min)) return 1
    if (min <= 1) return Infinity
    if (min > size) return 1
    // ceil(size/k) >= m  <=>  k*(m-1) < size  <=>  k <= (size-1)/(m-1)
    return Math.floor((size - 1) / (Math.ceil(min) - 1))
  }
  return Math.max(1, Math.min(limit(width, minWidth), limit(height, minHeight), Math.max(width, height)))
}

/** Channels per PNG colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
export const PNG_CHANNELS = [1, 0, 3, 1, 2, 0, 4]

/** Pixels converted to RGBA8 at a time by the PNG decoder: bounds its conversion buffer whatever the width (16 KB). */
export const STRIP_PIXELS = 4096

/** Bytes of one PNG scanline (without its filter byte). */
export function rowBytesFor(width: number, colorType: number, bitDepth: number): number {
  return Math.ceil((width * PNG_CHANNELS[colorType]! * bitDepth) / 8)
}
