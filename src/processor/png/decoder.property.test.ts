/**
 * Property test of the streaming PNG decoder on mutated PngSuite files: it
 * resolves, or rejects with ImageDecodeError (which the consumer turns into a
 * `failed` variant without retrying), never with any other error, never hangs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fixture, fixtureNames } from '../../../test/fixtures'
import { ImageDecodeError } from '../errors'
import { crc32 } from '../../lib/crc32'
import { decodePngWithCodec } from './test-codec'

const seeds = fixtureNames('pngsuite/')
  .filter((p) => p.endsWith('.png'))
  .map((p) => fixture(p))

const mutated = fc
  .record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    // Past the signature: a broken signature is one easy refusal, not worth most of the runs.
    writes: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
    // Most runs re-seal chunk CRCs after mutating, or every mutation would stop at the first CRC check.
    reseal: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
    truncate: fc.option(fc.nat(), { freq: 4 }),
    box: fc.constantFrom([1, 1], [8, 8], [200, 150], [1920, 1080]),
  })
  .map(({ seed, writes, reseal, truncate, box }) => {
    let bytes = seeds[seed]!.slice()
    for (const { at, value } of writes) bytes[8 + (at % (bytes.length - 8))] = value
    if (reseal) resealCrcs(bytes)
    if (truncate !== null) bytes = bytes.slice(0, truncate % (bytes.length + 1))
    return { bytes, box }
  })

/** Recomputes the CRC of every chunk whose length still fits the file, so the decoder reads past the checks. */
function resealCrcs(b: Uint8Array) {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let pos = 8; pos + 12 <= b.length; ) {
    const length = view.getUint32(pos)
    if (pos + 12 + length > b.length) return
    view.setUint32(pos + 8 + length, crc32(0, b, pos + 4, pos + 8 + length))
    pos += 12 + length
  }
}

/** Only to name an input that never settles; vitest's test timeout would catch it anyway, without the input. */
const HANG_GUARD_MS = 20_000

async function settle(bytes: Uint8Array, [w, h]: readonly [number, number]): Promise<'decoded' | 'refused'> {
  let timer: ReturnType<typeof setTimeout> | null = null
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the decoder never settled')), HANG_GUARD_MS)))
  try {
    const out = await Promise.race([decodePngWithCodec(bytes, w, h, 50_000_000), hang])
    expect(out.width).toBeGreaterThan(0)
    expect(out.data.length).toBe(out.width * out.height * 4)
    return 'decoded'
  } catch (err) {
    if (!(err instanceof ImageDecodeError)) throw err
    return 'refused'
  } finally {
    if (timer !== null) clearTimeout(timer)
  }
}

describe('decodePng (property)', () => {
  it('decodes or throws ImageDecodeError for mutated PngSuite files, nothing else', async () => {
    const outcomes = { decoded: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(mutated, async ({ bytes, box }) => {
        outcomes[await settle(bytes, box)]++
      }),
      { numRuns: 1500 },
    )
    // Both paths ran: the mutations are neither all harmless nor all fatal.
    expect(outcomes.decoded).toBeGreaterThan(0)
    expect(outcomes.refused).toBeGreaterThan(0)
  })
})
