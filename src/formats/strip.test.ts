import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { sniffImage } from './sniff'
import { stripJpeg, stripPng } from './strip'

const ascii = (b: Uint8Array) => new TextDecoder('latin1').decode(b)
const fromScan = (b: Uint8Array) => {
  for (let i = 2; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xda) return b.subarray(i)
  throw new Error('no scan')
}
const idat = (b: Uint8Array) => {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const out: number[] = []
  for (let pos = 8; pos + 12 <= b.length; pos += 12 + view.getUint32(pos)) {
    if (ascii(b.subarray(pos + 4, pos + 8)) === 'IDAT') out.push(...b.subarray(pos + 8, pos + 8 + view.getUint32(pos)))
  }
  return out
}

describe('stripJpeg', () => {
  it('drops EXIF and keeps the coded image byte for byte', () => {
    const original = fixture('exif-orientation/Landscape_1.jpg')
    const stripped = stripJpeg(original)!
    expect(ascii(original)).toContain('Exif')
    expect(ascii(stripped)).not.toContain('Exif')
    expect(stripped.length).toBeLessThan(original.length)
    expect(fromScan(stripped)).toEqual(fromScan(original))
    const a = sniffImage(original)
    const b = sniffImage(stripped)
    expect(a.ok && b.ok && [b.header.width, b.header.height]).toEqual(a.ok && [a.header.width, a.header.height])
  })

  it('keeps the ICC profile, so a wide-gamut original still looks the same', () => {
    const stripped = stripJpeg(fixture('colour/adobe-rgb.jpg'))!
    expect(ascii(stripped)).toContain('ICC_PROFILE')
  })

  it('refuses what is not a well-formed JPEG', () => {
    expect(stripJpeg(new Uint8Array([1, 2, 3]))).toBeNull()
    expect(stripJpeg(fixture('exif-orientation/Landscape_1.jpg').subarray(0, 100))).toBeNull()
  })
})

describe('stripPng', () => {
  it('drops text chunks and keeps the image data and colour chunks', () => {
    const original = fixture('pngsuite/ct1n0g04.png')
    const stripped = stripPng(original)!
    expect(ascii(original)).toContain('tEXt')
    expect(ascii(stripped)).not.toContain('tEXt')
    expect(idat(stripped)).toEqual(idat(original))
    expect(ascii(stripPng(fixture('colour/adobe-rgb.png'))!)).toContain('iCCP')
  })

  it('refuses a PNG cut before IEND', () => {
    const original = fixture('pngsuite/basn2c08.png')
    expect(stripPng(original.subarray(0, original.length - 12))).toBeNull()
  })
})
