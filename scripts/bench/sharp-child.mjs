/**
 * sharp in its own process for `npm run bench`: libvips's buffers (36 MB of ArrayBuffers after a
 * CMYK-to-AVIF run) would otherwise be counted in the processor's memory. Takes
 * `{ file, boxes }` messages, replies `{ ms, outBytes }`: the time of sharp's work alone.
 */
import { readFileSync } from 'node:fs'
import { sharpVariants } from './sharp.mjs'

process.on('message', async ({ file, boxes }) => {
  const bytes = new Uint8Array(readFileSync(file))
  const t = performance.now()
  const out = await sharpVariants(bytes, boxes)
  const ms = performance.now() - t
  process.send({ ms, outBytes: out.reduce((n, v) => n + v.files.reduce((m, f) => m + f.bytes.length, 0), 0) })
})
