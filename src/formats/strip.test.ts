import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { stripJpeg, stripPng } from './strip'

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))
const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]
const contains = (bytes: Uint8Array, needle: number[]) => Buffer.from(bytes).indexOf(Buffer.from(needle)) >= 0

describe('stripping metadata from an original', () => {
  it('drops EXIF, XMP and comments from a JPEG and keeps its ICC profile and coded data', () => {
    const original = fixture('colour/display-p3.jpg')
    const exif = segment(0xe1, [...ascii('Exif\0\0'), 1, 2, 3, 4])
    const comment = segment(0xfe, ascii('taken at home'))
    const tagged = new Uint8Array([0xff, 0xd8, ...exif, ...comment, ...original.subarray(2)])
    const stripped = stripJpeg(tagged)!
    expect(contains(stripped, ascii('Exif'))).toBe(false)
    expect(contains(stripped, ascii('taken at home'))).toBe(false)
    expect(contains(stripped, ascii('ICC_PROFILE'))).toBe(true)
    // Nothing else changes: the original's own segments (it has no EXIF or comment) and its scans.
    expect(stripped).toEqual(stripJpeg(original))
    expect(stripped.length).toBeLessThanOrEqual(original.length)
    expect(Buffer.from(stripped.subarray(-2))).toEqual(Buffer.from([0xff, 0xd9]))
  })

  it('drops text chunks from a PNG and keeps every chunk that decides its pixels', () => {
    const original = fixture('pngsuite/ct1n0g04.png')
    expect(contains(original, ascii('tEXt'))).toBe(true)
    const stripped = stripPng(original)!
    expect(contains(stripped, ascii('tEXt'))).toBe(false)
    expect(contains(stripped, ascii('IDAT'))).toBe(true)
    expect(contains(stripped, ascii('IEND'))).toBe(true)
    expect(stripPng(fixture('colour/adobe-rgb.png'))!.length).toBeGreaterThan(0)
    expect(contains(stripPng(fixture('colour/adobe-rgb.png'))!, ascii('iCCP'))).toBe(true)
  })

  it('gives up on what it cannot walk, so the caller encodes instead', () => {
    expect(stripJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]))).toBeUndefined()
    expect(stripPng(fixture('pngsuite/ct1n0g04.png').subarray(0, 60))).toBeUndefined()
  })

  it('passes on only the frames every browser decodes: an arithmetic-coded JPEG is re-encoded', () => {
    const original = fixture('colour/display-p3.jpg')
    expect(stripJpeg(original)).toBeDefined()
    const sof = Buffer.from(original).indexOf(Buffer.from([0xff, 0xc0]))
    expect(sof).toBeGreaterThan(0)
    for (const marker of [0xc9, 0xca, 0xc3]) {
      const other = original.slice()
      other[sof + 1] = marker
      expect(stripJpeg(other)).toBeUndefined()
    }
    const dac = new Uint8Array([0xff, 0xd8, ...segment(0xcc, [0x00, 0x10]), ...original.subarray(2)])
    expect(stripJpeg(dac)).toBeUndefined()
  })
})
