/**
 * Damage libjpeg-turbo decodes with a warning decodes to the same pixels as the sound file;
 * truncated and corrupt scan data still fails. Files: test/fixtures/tolerant (generate.mjs there).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from '../../../test/fixtures'
import { ImageDecodeError } from '../errors'
import { Codec } from './codec'
import codecWasm from './codec.wasm?module'

let decoder: Codec
beforeAll(async () => {
  decoder = await Codec.create(codecWasm)
})
const tolerant = (name: string) => fixture(`tolerant/${name}`)
const firstDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

describe('JPEG damage libjpeg only warns about', () => {
  const cases: [string, string][] = [
    ['jpeg-junk-before-sof.jpg', 'extraneous bytes before DQT and SOF0'],
    ['jpeg-junk-after-scan.jpg', 'extraneous bytes before EOI'],
    ['jpeg-no-eoi.jpg', 'no EOI marker'],
    ['jpeg-sof-after-scan.jpg', 'a second SOF after the complete scan ("two SOF markers")'],
  ]
  const progressive: [string, string][] = [
    ['jpeg-progressive-no-eoi.jpg', 'no EOI after the last refinement scan'],
    ['jpeg-progressive-junk-between-scans.jpg', 'extraneous bytes before an SOS'],
  ]
  const same = (damaged: string, sound: string, min: number) => {
    const got = decoder.decode(tolerant(damaged), min, min)
    const want = decoder.decode(tolerant(sound), min, min)
    expect([got.width, got.height, got.scaleNum]).toEqual([want.width, want.height, want.scaleNum])
    expect(firstDifference(got.data, want.data)).toBe(-1)
  }
  it.each(cases)('%s decodes like the sound baseline file: %s', (damaged) => {
    same(damaged, 'jpeg-320x240.jpg', 320)
    same(damaged, 'jpeg-320x240.jpg', 100) // DCT-scaled
  })
  it.each(progressive)('%s decodes like the sound progressive file: %s', (damaged) => {
    same(damaged, 'jpeg-320x240-progressive.jpg', 320)
  })

  it('reads the next file normally after one that ended with a tolerated error', () => {
    decoder.decode(tolerant('jpeg-sof-after-scan.jpg'), 320, 240)
    same('jpeg-320x240.jpg', 'jpeg-320x240.jpg', 320)
  })
})

describe('JPEG damage that still fails', () => {
  const base = () => tolerant('jpeg-320x240.jpg')
  const sos = (b: Uint8Array) => b.findIndex((v, i) => v === 0xff && b[i + 1] === 0xda)
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['a progressive file missing its last scans (cut at a scan boundary)', () => tolerant('jpeg-progressive-cut-after-scan-3.jpg'), /Premature end of JPEG file/],
    ['a baseline file cut in its scan data', () => base().slice(0, base().length - 600), /premature end of data segment/i],
    [
      'a baseline file with 200 bytes of its scan data zeroed (the decoder loses sync and ends the scan early: over 32 bytes left)',
      () => {
        const b = base()
        b.fill(0, sos(b) + 400, sos(b) + 600)
        return b
      },
      /Corrupt JPEG data: \d+ extraneous bytes before marker 0xd9/,
    ],
  ]
  it.each(cases)('%s', (_name, make, reason) => {
    const error = (() => {
      try {
        decoder.decode(make(), 320, 240)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ImageDecodeError)
    expect((error as Error).message).toMatch(reason)
  })
})
