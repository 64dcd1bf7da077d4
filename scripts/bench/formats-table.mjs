/**
 * Per variant and format: our file's bytes and butteraugli next to sharp's encoder at the same
 * settings (scripts/bench/sharp.mjs) given the same pixels: ours, resized by the processor (taken
 * losslessly from a render of the photo as PNG), so the rows compare encoders, not resamplers.
 * Each file is decoded by Debian's own tool (djpeg, dwebp, avifdec: the size is checked too) and
 * judged by butteraugli_main against an exact Lanczos-3 resize of the original by ImageMagick
 * (/usr/bin/convert), which is neither side's resampler: sharp's "lanczos3" box-shrinks first at
 * large factors (libvips), so its thumbnail is ~2.8 from an exact Lanczos-3 before any encoding.
 * The resampler rows give that distance for ours and for sharp's own resize, both lossless.
 * Needs `apt-get install libjxl-devtools webp libavif-bin libjpeg-turbo-progs imagemagick`;
 * without them the section is skipped with a note.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { SHARP_SETTINGS } from './sharp.mjs'

const TOOLS = ['butteraugli_main', 'djpeg', 'dwebp', 'avifdec', '/usr/bin/convert']
const has = (tool) => {
  try {
    if (tool.startsWith('/')) return existsSync(tool) // /usr/local/bin/convert may be a stand-in
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

/** An exact Lanczos-3 resize of the original (upright) by ImageMagick, as an 8-bit PNG without colour chunks. */
function reference(original, width, height, png) {
  const ppm = `${png}.ppm`
  execFileSync('/usr/bin/convert', [original, '-auto-orient', '-filter', 'Lanczos', '-resize', `${width}x${height}!`, '-strip', `ppm:${ppm}`])
  return sharpToPng(ppm, png)
}

export async function formatsTable(photo, { renderVariants, estimateQuality, luminanceTable }, boxes) {
  const missing = TOOLS.filter((t) => !has(t))
  if (missing.length) return { skipped: `needs ${missing.join(', ')}` }
  const dir = mkdtempSync(join(tmpdir(), 'bench-formats-'))
  try {
    const original = join(dir, 'original')
    writeFileSync(original, photo)
    const ours = []
    for await (const v of renderVariants(photo, boxes, { maxPixels: 100_000_000 })) ours.push(v)
    // Our resized pixels, losslessly: the same photo rendered from a PNG of its decoded pixels.
    const asPng = new Uint8Array(await sharp(photo).rotate().png({ compressionLevel: 1 }).toBuffer())
    const pixels = new Map()
    for await (const v of renderVariants(asPng, boxes, { maxPixels: 100_000_000 })) pixels.set(v.name, v.files[0].bytes)
    // sharp's JPEG at the quality ours used: the source's estimated quality when below q82.
    const table = photo[0] === 0xff ? luminanceTable(photo) : undefined
    const jpegQuality = table ? Math.min(82, estimateQuality(table)) : 82
    const rows = []
    const resamplers = []
    for (const v of ours) {
      const ref = join(dir, `${v.name}-ref.png`)
      await reference(original, v.width, v.height, ref)
      const lossless = join(dir, `${v.name}.pixels.png`)
      writeFileSync(lossless, pixels.get(v.name))
      const sharpResized = join(dir, `${v.name}.sharp-resize.png`)
      await sharp(photo).rotate().resize(v.width, v.height, { fit: 'fill', kernel: 'lanczos3' }).png().toFile(sharpResized)
      resamplers.push({ variant: v.name, size: `${v.width}x${v.height}`, ours: butteraugli(ref, lossless), sharp: butteraugli(ref, sharpResized) })
      const input = await sharp(pixels.get(v.name)).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
      for (const f of v.files) {
        const row = { variant: v.name, size: `${v.width}x${v.height}`, format: f.format, bytes: f.bytes.byteLength }
        const mine = join(dir, `${v.name}.ours.${f.format}`)
        writeFileSync(mine, f.bytes)
        const [w, h] = await decode(f.format, mine, `${mine}.png`)
        row.decodes = w === v.width && h === v.height
        row.butteraugli = butteraugli(ref, `${mine}.png`)
        const peer = await SHARP_SETTINGS[f.format](sharp(input.data, { raw: input.info }), jpegQuality).toBuffer()
        const theirsFile = join(dir, `${v.name}.sharp.${f.format}`)
        writeFileSync(theirsFile, peer)
        await decode(f.format, theirsFile, `${theirsFile}.png`)
        row.sharpBytes = peer.byteLength
        row.sharpButteraugli = butteraugli(ref, `${theirsFile}.png`)
        row.bytesRatio = +(row.bytes / row.sharpBytes).toFixed(3)
        row.butteraugliRatio = +(row.butteraugli / row.sharpButteraugli).toFixed(3)
        rows.push(row)
      }
    }
    return { rows, resamplers, jpegQuality }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
