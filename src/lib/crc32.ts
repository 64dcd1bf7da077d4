/**
 * CRC-32 of PNG chunks, incremental.
 * CRC uses slicing-by-8: a large IDAT stream is checksummed at several hundred MB/s.
 */

const CRC_TABLE = (() => {
  const t = new Int32Array(256 * 8)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    for (let s = 1; s < 8; s++) {
      const prev = t[(s - 1) * 256 + n]!
      t[s * 256 + n] = (prev >>> 8) ^ t[prev & 255]!
    }
  }
  return t
})()

/** Continue a CRC-32 (start with 0) over buf[start, end). Returns an unsigned 32-bit value. */
export function crc32(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  const t = CRC_TABLE
  let c = ~crc
  let i = start
  for (const end8 = end - 7; i < end8; i += 8) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)
    c =
      t[1792 + (c & 255)]! ^
      t[1536 + ((c >>> 8) & 255)]! ^
      t[1280 + ((c >>> 16) & 255)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 255]! ^ (c >>> 8)
  return ~c >>> 0
}
