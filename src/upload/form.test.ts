import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { headerComplete } from './form'

describe('headerComplete (how much of a file the sniffer must see)', () => {
  it('is true for a JPEG once its frame header is in, not before', () => {
    const jpeg = fixture('exif-orientation/Portrait_6.jpg')
    let sof = 2
    while (!(jpeg[sof] === 0xff && jpeg[sof + 1] === 0xc0) && !(jpeg[sof] === 0xff && jpeg[sof + 1] === 0xc2)) sof++
    expect(headerComplete(jpeg.subarray(0, sof + 4))).toBe(false)
    expect(headerComplete(jpeg.subarray(0, sof + 12))).toBe(true)
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
