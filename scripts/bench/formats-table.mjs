/**
 * Per variant and format: our file's bytes and butteraugli next to sharp's at the same settings
 * (scripts/bench/sharp.mjs), each decoded by Debian's own tool (djpeg, dwebp, avifdec: the size
 * is checked too) and judged by butteraugli_main against a lossless Lanczos-3 resize of the
 * original (sharp, PNG). Needs `apt-get install libjxl-devtools webp libavif-bin libjpeg-turbo-progs`;
 * without them the section is skipped with a note.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { sharpVariants } from './sharp.mjs'

const TOOLS = ['butteraugli_main', 'djpeg', 'dwebp', 'avifdec']
const has = (tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Decodes a file with Debian's tool for its format into a PNG; returns [width, height]. */
function decode(format, file, png) {
  if (format === 'jpeg') {
    execFileSync('djpeg', ['-outfile', `${png}.ppm`, file])
    return sharpToPng(`${png}.ppm`, png)
  }
  if (format === 'webp') execFileSync('dwebp', [file, '-o', png], { stdio: 'ignore' })
  else if (format === 'avif') execFileSync('avifdec', [file, png], { stdio: 'ignore' })
  else return sharpToPng(file, png)
  return sharpToPng(png, png)
}

/** Dimensions of a decoded file, rewritten as an 8-bit PNG (butteraugli_main reads PNG). */
function sharpToPng(input, png) {
  const buf = readFileSync(input)
  if (input.endsWith('.ppm')) {
    // Binary PPM (P6) from djpeg: header then RGB.
    const text = buf.subarray(0, 64).toString('latin1')
    const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(text)
    const [w, h] = [Number(m[1]), Number(m[2])]
    return sharp(buf.subarray(m[0].length), { raw: { width: w, height: h, channels: 3 } }).png().toFile(png).then(() => [w, h])
  }
  return sharp(buf).metadata().then((meta) => [meta.width, meta.height])
}

const butteraugli = (ref, png) => Number(execFileSync('butteraugli_main', [ref, png], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split(/\s+/)[0])

export async function formatsTable(photo, { renderVariants, estimateQuality, luminanceTable }, boxes) {
  const missing = TOOLS.filter((t) => !has(t))
  if (missing.length) return { skipped: `needs ${missing.join(', ')}` }
  const dir = mkdtempSync(join(tmpdir(), 'bench-formats-'))
  try {
    const ours = []
    for await (const v of renderVariants(photo, boxes, { maxPixels: 100_000_000 })) ours.push(v)
    // sharp's JPEG at the quality ours used: the source's estimated quality when below q82.
    const table = photo[0] === 0xff ? luminanceTable(photo) : undefined
    const jpegQuality = table ? Math.min(82, estimateQuality(table)) : 82
    const theirs = await sharpVariants(photo, boxes, { jpegQuality })
    const byName = new Map(boxes.map((b, i) => [b.name, theirs[i]]))
    const rows = []
    for (const v of ours) {
      const ref = join(dir, `${v.name}-ref.png`)
      await sharp(photo).rotate().resize(v.width, v.height, { fit: 'fill', kernel: 'lanczos3' }).png().toFile(ref)
      for (const f of v.files) {
        const row = { variant: v.name, size: `${v.width}x${v.height}`, format: f.format, bytes: f.bytes.byteLength }
        const mine = join(dir, `${v.name}.ours.${f.format}`)
        writeFileSync(mine, f.bytes)
        const [w, h] = await decode(f.format, mine, `${mine}.png`)
        row.decodes = w === v.width && h === v.height
        row.butteraugli = butteraugli(ref, `${mine}.png`)
        const peer = byName.get(v.name).files.find((p) => p.format === f.format)
        if (peer) {
          const theirsFile = join(dir, `${v.name}.sharp.${f.format}`)
          writeFileSync(theirsFile, peer.bytes)
          await decode(f.format, theirsFile, `${theirsFile}.png`)
          row.sharpBytes = peer.bytes.byteLength
          row.sharpButteraugli = butteraugli(ref, `${theirsFile}.png`)
          row.bytesRatio = +(row.bytes / row.sharpBytes).toFixed(3)
          row.butteraugliRatio = +(row.butteraugli / row.sharpButteraugli).toFixed(3)
        }
        rows.push(row)
      }
    }
    return { rows, jpegQuality }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
