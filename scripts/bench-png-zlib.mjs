/**
 * node scripts/bench-png-zlib.mjs: chooses the PNG encoder's zlib level and strategy (src/processor/png/encoder.ts)
 * by encoding the large variant of the bench's PNG inputs with each candidate, against sharp's PNG of the
 * same pixels (its default: zlib level 6, no adaptive filtering; and with adaptiveFiltering). Medians of 3.
 */
import sharp from 'sharp'
import { loadModules } from './bench/bundle.mjs'
import { capPng, photo12mp } from './bench/inputs.mjs'
import { tinyChunkPng } from './bench/adversarial.mjs'
import { readFileSync } from 'node:fs'
import { chunk, IEND, SIGNATURE } from '../test/fixtures/png-chunks.mjs'

sharp.concurrency(1)
sharp.cache(false)
const { Codec, encodePng, jpegWasm } = await loadModules(
  `export { Codec } from './src/processor/codec/codec.ts'\nexport { encodePng } from './src/processor/png/encoder.ts'\nexport { default as jpegWasm } from './src/processor/codec/codec.wasm?module'\n`,
)
const codec = await Codec.create(jpegWasm)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const time = async (f) => {
  const runs = []
  let out
  for (let i = 0; i < 3; i++) {
    const t = performance.now()
    out = await f()
    runs.push(performance.now() - t)
  }
  return { ms: +median(runs).toFixed(1), kb: Math.round(out.length / 1024) }
}
const candidates = [
  { level: 6, strategy: 0 },
  { level: 6, strategy: 1 },
  { level: 4, strategy: 0 },
  { level: 3, strategy: 0 },
  { level: 2, strategy: 0 },
  { level: 1, strategy: 0 },
  { level: 6, strategy: 3 },
]
const rows = []
for (const file of ['test/fixtures/generated/alpha-640x480.png', await tinyChunkPng(), await capPng(100_000_000, 5 * 1024 * 1024), await photo12mp()]) {
  const { data, info } = await sharp(readFileSync(file), { limitInputPixels: false }).resize(1920, 1080, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  const pixels = { width: info.width, height: info.height, data: new Uint8Array(data) }
  const raw = { raw: { width: info.width, height: info.height, channels: 4 } }
  const row = { file: file.split('/').pop(), size: `${info.width}x${info.height}` }
  row['sharp png()'] = await time(() => sharp(data, raw).png().toBuffer())
  row['sharp adaptiveFiltering'] = await time(() => sharp(data, raw).png({ adaptiveFiltering: true }).toBuffer())
  for (const zlib of candidates) row[`ours level ${zlib.level} strategy ${zlib.strategy}`] = await time(() => encodePng(pixels, codec, zlib))
  rows.push(row)
  console.log(JSON.stringify(row))
}

// The cost of an IDAT chunk (plan.ts's US_PER_IDAT_CHUNK): the tiny-chunk input decoded as it is and with
// its zlib stream in one IDAT, the same bytes otherwise.
const { decodePng } = await loadModules(`export { decodePng } from './src/processor/png/decoder.ts'\n`)
const many = new Uint8Array(readFileSync(await tinyChunkPng()))
const view = new DataView(many.buffer, many.byteOffset, many.byteLength)
const idat = []
let chunks = 0
let head = null
for (let pos = 8; pos < many.length; ) {
  const length = view.getUint32(pos)
  const type = String.fromCharCode(...many.subarray(pos + 4, pos + 8))
  if (type === 'IDAT') {
    head ??= many.subarray(0, pos)
    idat.push(many.subarray(pos + 8, pos + 8 + length))
    chunks++
  }
  pos += 12 + length
}
const one = Buffer.concat([SIGNATURE, Buffer.from(head.subarray(8)), chunk('IDAT', Buffer.concat(idat)), IEND])
const decodeTime = async (bytes) =>
  time(async () => {
    codec.begin()
    try {
      const png = await decodePng(bytes, 1296, 1080, { inflater: codec.inflater, reserve: (n) => codec.reserve(n) })
      return png.data
    } finally {
      codec.releaseReserved()
      codec.end()
    }
  })
const a = await decodeTime(many)
const b = await decodeTime(new Uint8Array(one))
console.log(JSON.stringify({ idatChunks: chunks, manyChunksMs: a.ms, oneChunkMs: b.ms, usPerChunk: +(((a.ms - b.ms) * 1000) / chunks).toFixed(2) }))
