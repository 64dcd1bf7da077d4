/**
 * The one EXIF reader: the orientation tag (0x0112) of IFD0 in a TIFF structure, as found in a
 * JPEG's APP1 segment and a PNG's eXIf chunk. Some PNG writers keep JPEG's "Exif\0\0" prefix, and
 * some write the tag as a LONG instead of a SHORT: both are read, as exiftool and browsers do.
 */

/** Orientation 1..8 from an EXIF payload (with or without the "Exif\0\0" prefix); 1 if absent or malformed. */
export function exifOrientation(d: Uint8Array): number {
  const t = hasExifPrefix(d, 0) ? 6 : 0
  if (d.length < t + 8) return 1
  const little = d[t] === 0x49 && d[t + 1] === 0x49
  if (!little && !(d[t] === 0x4d && d[t + 1] === 0x4d)) return 1
  const view = new DataView(d.buffer, d.byteOffset + t, d.length - t)
  const u16 = (o: number) => view.getUint16(o, little)
  const u32 = (o: number) => view.getUint32(o, little)
  if (u16(2) !== 42) return 1
  const ifd = u32(4)
  if (ifd + 2 > view.byteLength) return 1
  const count = u16(ifd)
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12
    if (entry + 12 > view.byteLength) return 1
    if (u16(entry) !== 0x0112) continue
    const type = u16(entry + 2)
    // SHORT as the standard says; LONG tolerated.
    const value = type === 3 ? u16(entry + 8) : type === 4 ? u32(entry + 8) : 0
    return value >= 1 && value <= 8 ? value : 1
  }
  return 1
}

/** "Exif\0\0": how a JPEG APP1 segment says it holds EXIF (not XMP). */
export const hasExifPrefix = (b: Uint8Array, p: number) =>
  b[p] === 0x45 && b[p + 1] === 0x78 && b[p + 2] === 0x69 && b[p + 3] === 0x66 && b[p + 4] === 0 && b[p + 5] === 0
