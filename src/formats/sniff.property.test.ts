/**
 * Property test of the upload header parser: whatever bytes arrive, sniffImage
 * returns a header with sane numbers or a typed refusal, and never throws.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fixture, fixtureNames } from '../../test/fixtures'
import type { SniffResult } from './header'
import { sniffImage } from './sniff'

function expectWellFormed(result: SniffResult) {
  if (result.ok) {
    const { format, width, height, orientation, progressive } = result.header
    expect(['jpeg', 'png']).toContain(format)
    for (const n of [width, height]) {
      expect(Number.isSafeInteger(n)).toBe(true)
      expect(n).toBeGreaterThan(0)
    }
    expect(Number.isInteger(orientation) && orientation >= 1 && orientation <= 8).toBe(true)
    expect(typeof progressive).toBe('boolean')
  } else {
    expect(['unsupported', 'unreadable']).toContain(result.reason)
    expect(result.detail).toEqual(expect.any(String))
  }
}

/** The first bytes of real files: the header is all sniffImage reads. */
const seeds = [
  ...fixtureNames('exif-orientation/').filter((p) => p.endsWith('.jpg')),
  ...fixtureNames('pngsuite/').filter((p) => p.endsWith('.png')).slice(0, 40),
  'generated/photo-4000x3000.jpg',
  'generated/alpha-640x480.png',
].map((p) => fixture(p).slice(0, 4096))

/** A seed with a few bytes overwritten, a chunk cut out, or cut short. */
const mutated = fc
  .record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    writes: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
    cut: fc.option(fc.record({ at: fc.nat(), length: fc.nat({ max: 64 }) })),
    truncate: fc.option(fc.nat()),
  })
  .map(({ seed, writes, cut, truncate }) => {
    let bytes = seeds[seed]!.slice()
    for (const { at, value } of writes) bytes[at % bytes.length] = value
    if (cut) {
      const at = cut.at % bytes.length
      bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + cut.length)])
    }
    if (truncate !== null) bytes = bytes.slice(0, truncate % (bytes.length + 1))
    return bytes
  })

/** Random bytes, sometimes behind a JPEG or PNG signature so the parsers themselves run. */
const random = fc
  .tuple(fc.constantFrom([], [0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), fc.uint8Array({ maxLength: 512 }))
  .map(([magic, rest]) => new Uint8Array([...magic, ...rest]))

describe('sniffImage (property)', () => {
  it('answers a header or a typed refusal for random bytes, never throwing', () => {
    fc.assert(fc.property(random, (bytes) => expectWellFormed(sniffImage(bytes))), { numRuns: 3000 })
  })

  it('answers a header or a typed refusal for mutated real headers, never throwing', () => {
    fc.assert(fc.property(mutated, (bytes) => expectWellFormed(sniffImage(bytes))), { numRuns: 3000 })
  })

  it('still reads the unmutated seeds (the generator starts from real headers)', () => {
    for (const seed of seeds) expect(sniffImage(seed).ok).toBe(true)
  })
})
