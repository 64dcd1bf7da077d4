import { describe, expect, it } from 'vitest'
import { exifOrientation } from './exif'

/** A TIFF structure with one IFD0 entry: tag 0x0112 of the given type and value. */
function tiff(little: boolean, type: number, value: number, prefix = false): Uint8Array {
  const b = new Uint8Array((prefix ? 6 : 0) + 26)
  const o = prefix ? 6 : 0
  if (prefix) b.set([0x45, 0x78, 0x69, 0x66, 0, 0])
  const v = new DataView(b.buffer, o)
  b.set(little ? [0x49, 0x49] : [0x4d, 0x4d], o)
  v.setUint16(2, 42, little)
  v.setUint32(4, 8, little)
  v.setUint16(8, 1, little)
  v.setUint16(10, 0x0112, little)
  v.setUint16(12, type, little)
  v.setUint32(14, 1, little)
  if (type === 3) v.setUint16(18, value, little)
  else v.setUint32(18, value, little)
  return b
}

describe('exifOrientation', () => {
  it('reads SHORT values in both byte orders', () => {
    expect(exifOrientation(tiff(true, 3, 6))).toBe(6)
    expect(exifOrientation(tiff(false, 3, 8))).toBe(8)
  })
  it('reads a LONG value, which some writers use', () => {
    expect(exifOrientation(tiff(false, 4, 5))).toBe(5)
    expect(exifOrientation(tiff(true, 4, 7))).toBe(7)
  })
  it('skips the "Exif\\0\\0" prefix of JPEG APP1 (some PNG writers keep it in eXIf)', () => {
    expect(exifOrientation(tiff(false, 3, 3, true))).toBe(3)
  })
  it('answers 1 for out-of-range values, other types and garbage', () => {
    expect(exifOrientation(tiff(false, 3, 9))).toBe(1)
    expect(exifOrientation(tiff(false, 1, 6))).toBe(1)
    expect(exifOrientation(new Uint8Array([1, 2, 3]))).toBe(1)
    expect(exifOrientation(new Uint8Array(40))).toBe(1)
  })
})
