/**
 * Damage libpng reads with a warning decodes to the same pixels as the sound file; damage it
 * refuses still fails with a clear reason. Files: test/fixtures/tolerant (generate.mjs there).
 */
import { describe, expect, it } from 'vitest'
import { fixture } from '../../../test/fixtures'
import { ImageDecodeError } from '../errors'
import { crc32 } from '../../lib/crc32'
import { decodePngWithCodec as decodePng } from './test-codec'

/** Full size (factor 1): every pixel is compared. */
const decode = (bytes: Uint8Array) => decodePng(bytes, Infinity, Infinity)
const tolerant = (name: string) => fixture(`tolerant/${name}`)
/** Index of the first differing byte, -1 if equal (expect().toEqual on a megabyte is very slow). */
const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

describe('PNG damage libpng only warns about', () => {
  const cases: [string, string, string][] = [
    ['png-trailing-bytes.png', 'pngsuite/basn2c08.png', 'bytes after the zlib stream in its last IDAT ("Extra compressed data")'],
    ['png-640x480-trailing-bytes.png', 'tolerant/png-640x480.png', 'the same in a many-piece stream (the inflater drops the last piece)'],
    ['png-640x480-extra-idat.png', 'tolerant/png-640x480.png', 'an IDAT of junk after the zlib stream ended'],
    ['png-idat-after-text.png', 'pngsuite/basn2c08.png', 'an IDAT after a tEXt after the image ("Too many IDATs found")'],
    ['png-too-much-data.png', 'pngsuite/basn2c08.png', 'a zlib stream longer than the image ("Too much image data")'],
    ['png-bad-iccp-crc.png', 'pngsuite/basn2c08.png', 'iCCP and tEXt with a bad CRC (dropped)'],
    ['png-640x480-bad-exif-crc.png', 'tolerant/png-640x480.png', 'eXIf with a bad CRC (dropped)'],
    ['png-plte-after-idat.png', 'pngsuite/basn2c08.png', 'a PLTE after the image data of an RGB image ("out of place")'],
  ]
  it.each(cases)('%s decodes like %s: %s', async (damaged, sound) => {
    const got = await decode(tolerant(damaged))
    const want = await decode(fixture(sound))
    expect(got.orientation).toBe(1)
    // Reported, so its coded data is never shipped as a variant (render.ts).
    expect([got.tolerated, want.tolerated]).toEqual([true, false])
    expect({ ...got, data: null, tolerated: null }).toEqual({ ...want, data: null, tolerated: null })
    expect(firstDifference(got.data, want.data)).toBe(-1)
  })

  it('drops a tRNS chunk with a bad CRC: the palette image decodes opaque', async () => {
    const got = await decode(tolerant('png-bad-trns-crc.png'))
    const want = await decode(fixture('pngsuite/tbbn3p08.png'))
    expect(want.hasAlpha).toBe(true)
    expect(got.hasAlpha).toBe(false)
    const opaque = want.data.slice()
    for (let i = 3; i < opaque.length; i += 4) opaque[i] = 255
    // tRNS only adds alpha: colours are the palette's either way.
    expect(firstDifference(got.data, opaque)).toBe(-1)
  })

  it('decodes palette indexes past the PLTE as opaque black, as libpng and libspng do', async () => {
    const got = await decode(tolerant('png-palette-index-past-plte.png'))
    expect([...got.data]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
  })

  it('decodes a box-reduced image of a damaged stream like the sound one', async () => {
    const got = await decodePng(tolerant('png-640x480-trailing-bytes.png'), 100, 75)
    const want = await decodePng(tolerant('png-640x480.png'), 100, 75)
    expect(got.factor).toBe(6)
    expect(firstDifference(got.data, want.data)).toBe(-1)
  })

  it('reads bytes after the zlib stream from a stream source too, in one pass', async () => {
    // zlib stops at the end of its stream, so nothing after it is ever inflated: no second pass
    // over bytes in memory is needed (DecompressionStream dropped the rows of the piece holding them).
    const stream = new Blob([tolerant('png-640x480-trailing-bytes.png')]).stream()
    const got = await decodePng(stream, Infinity, Infinity)
    const want = await decode(tolerant('png-640x480.png'))
    expect(firstDifference(got.data, want.data)).toBe(-1)
  })

  it('ignores a bad Adler-32 trailer after the last scanline (libpng does not check it)', async () => {
    const bytes = tolerant('png-640x480.png').slice()
    const last = findIdat(bytes, 'last')
    const crcAt = last.start + 8 + last.length
    // The zlib stream's last 4 bytes (its trailer) end the last IDAT's payload; re-seal the CRC.
    bytes[crcAt - 1] = bytes[crcAt - 1]! ^ 0xff
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(crcAt, crc32(0, bytes, last.start + 4, crcAt))
    const got = await decode(bytes)
    const want = await decode(tolerant('png-640x480.png'))
    expect(firstDifference(got.data, want.data)).toBe(-1)
  })

  it('refuses corrupt zlib data before the last scanline, saying so', async () => {
    const bytes = tolerant('png-640x480.png').slice()
    // The zlib header (the first IDAT's first two bytes) made invalid: zlib stops at once.
    const first = findIdat(bytes, 'first')
    const end = first.start + 8 + first.length
    bytes[first.start + 8] = 0xff
    bytes[first.start + 9] = 0xff
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(end, crc32(0, bytes, first.start + 4, end))
    await expect(decode(bytes)).rejects.toThrow(/Corrupt zlib data in IDAT/)
  })
})

describe('PNG damage libpng refuses', () => {
  const cases: [string, RegExp][] = [
    ['png-bad-plte-crc.png', /CRC mismatch in PLTE chunk/],
    ['png-640x480-short-stream-then-junk.png', /Not enough image data/],
  ]
  it.each(cases)('%s fails: %s', async (name, reason) => {
    const error = await decode(tolerant(name)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImageDecodeError)
    expect((error as Error).message).toMatch(reason)
  })

  it('still fails on a bad CRC in IDAT, even in an IDAT after the image', async () => {
    const bytes = tolerant('png-idat-after-text.png')
    const last = bytes.length - 12 - 4 // the CRC of the IDAT before IEND
    bytes[last] = bytes[last]! ^ 0xff
    await expect(decode(bytes)).rejects.toThrow(/CRC mismatch in IDAT chunk/)
  })
})

/** The first or last IDAT chunk: `start` is the offset of its length field. */
function findIdat(b: Uint8Array, which: 'first' | 'last'): { start: number; length: number } {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  let last = { start: -1, length: 0 }
  for (let pos = 8; pos + 12 <= b.length; ) {
    const length = view.getUint32(pos)
    if (String.fromCharCode(...b.subarray(pos + 4, pos + 8)) === 'IDAT') {
      last = { start: pos, length }
      if (which === 'first') return last
    }
    pos += 12 + length
  }
  if (last.start < 0) throw new Error('no IDAT')
  return last
}
