/**
 * The IJG quality a JPEG was saved at, estimated from its luminance quantization table: libjpeg
 * (and most encoders) scale the standard table of JPEG Annex K by the quality, so the table's sum
 * says which quality made it. Used so a variant is never encoded above its source's quality
 * (bytes spent on recompressing artefacts buy nothing).
 */

/** Annex K.1, luminance (the order does not matter: only the sum is compared). */
const STANDARD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109,
  103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]

/** The sum of the luminance table libjpeg writes at quality q (jcparam.c: jpeg_quality_scaling, baseline clamp to 255). */
const SUM_AT = Array.from({ length: 101 }, (_, q) => {
  if (q === 0) return Infinity
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2
  return STANDARD_LUMA.reduce((sum, v) => sum + Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))), 0)
})

/** Quality 1..100 whose standard luminance table is closest (by sum) to `table` (64 entries). */
export function estimateQuality(table: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < 64; i++) sum += table[i] ?? 0
  let best = 1
  for (let q = 1; q <= 100; q++) if (Math.abs(SUM_AT[q]! - sum) <= Math.abs(SUM_AT[best]! - sum)) best = q
  return best
}

/**
 * The luminance table (id 0) from the DQT segments before the first scan, or null. A DQT segment
 * holds one or more tables: a byte of precision (high nibble: 0 = 8-bit, 1 = 16-bit) and id, then
 * 64 values.
 */
export function luminanceTable(b: Uint8Array): number[] | null {
  for (let pos = 2; pos + 4 <= b.length; ) {
    if (b[pos] !== 0xff) {
      pos++
      continue
    }
    const marker = b[pos + 1]!
    if (marker === 0xff || marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += marker === 0xff ? 1 : 2
      continue
    }
    if (marker === 0xda || marker === 0xd9) return null
    const length = (b[pos + 2]! << 8) | b[pos + 3]!
    const end = Math.min(b.length, pos + 2 + length)
    if (marker === 0xdb) {
      for (let t = pos + 4; t < end; ) {
        const wide = b[t]! >> 4 === 1
        const id = b[t]! & 15
        const values = Array.from({ length: 64 }, (_, i) => (wide ? (b[t + 1 + 2 * i]! << 8) | b[t + 2 + 2 * i]! : b[t + 1 + i]!))
        if (id === 0 && t + 1 + (wide ? 128 : 64) <= end) return values
        t += 1 + (wide ? 128 : 64)
      }
    }
    pos += 2 + length
  }
  return null
}
