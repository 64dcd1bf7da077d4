import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { estimateQuality, luminanceTable } from './jpeg-quality'

describe('JPEG quality estimate', () => {
  for (const q of [30, 60, 85, 95]) {
    it(`reads ${q} from a file cjpeg saved at quality ${q}`, () => {
      const table = luminanceTable(fixture(`quality/cjpeg-q${q}.jpg`))
      expect(table).not.toBeNull()
      expect(estimateQuality(table!)).toBe(q)
    })
  }

  it('reads 16-bit tables and answers null without a DQT before the scan', () => {
    const dqt = new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0, 2 + 1 + 128, 0x10, ...Array.from({ length: 128 }, (_, i) => (i % 2 ? 1 : 0)), 0xff, 0xd9])
    expect(luminanceTable(dqt)).toEqual(Array(64).fill(1))
    expect(estimateQuality(luminanceTable(dqt)!)).toBe(100)
    expect(luminanceTable(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBeNull()
  })
})
