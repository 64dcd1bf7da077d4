import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { headerComplete } from './form'

describe('headerComplete (how much of a file the sniffer must see)', () => {
  it('is true for a JPEG once its first scan header is in (it says whether every coefficient is kept), not before', () => {
    const jpeg = fixture('exif-orientation/Portrait_6.jpg')
    const at = (marker: number) => jpeg.findIndex((b, i) => i > 1 && b === 0xff && jpeg[i + 1] === marker)
    const sof = Math.max(at(0xc0), at(0xc2))
    const sos = at(0xda)
    expect(sof).toBeGreaterThan(0)
    expect(sos).toBeGreaterThan(sof)
    expect(headerComplete(jpeg.subarray(0, sof + 12))).toBe(false)
    expect(headerComplete(jpeg.subarray(0, sos + 4))).toBe(true)
  })

  it('is true for a PNG only once the chunks up to IDAT are in (an eXIf may come before it)', () => {
    const png = fixture('pngsuite/basn2c08.png')
    const idat = png.findIndex((_, i) => png[i] === 0x49 && png[i + 1] === 0x44 && png[i + 2] === 0x41 && png[i + 3] === 0x54)
    expect(headerComplete(png.subarray(0, 33))).toBe(false)
    expect(headerComplete(png.subarray(0, idat))).toBe(false)
    expect(headerComplete(png.subarray(0, idat + 4))).toBe(true)
  })

  it('is true at once for a type refused from its magic bytes, false for too few bytes', () => {
    expect(headerComplete(new TextEncoder().encode('GIF89a\x01\x00\x01\x00'))).toBe(true)
    expect(headerComplete(new Uint8Array([0xff, 0xd8, 0xff]))).toBe(false)
  })
})
