/**
 * Adversarial bench inputs (issue 16): shapes the upload accepts that stress the decoders, each at
 * the worst the plan (src/formats/plan.ts) still accepts. Generated once, cached with the others.
 * Pixel content is simple where only the layout matters (memory and CPU depend on the layout).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { cached, scene } from './inputs.mjs'
import { chunk, IEND, ihdr, SIGNATURE } from '../../test/fixtures/png-chunks.mjs'

/** A PNG whose zlib stream is split into IDAT chunks of at most `chunkBytes`. */
const png = (header, zlib, chunkBytes = 1 << 16) => {
  const idats = []
  for (let i = 0; i < zlib.length; i += chunkBytes) idats.push(chunk('IDAT', zlib.subarray(i, i + chunkBytes)))
  return Buffer.concat([SIGNATURE, header, ...idats, IEND])
}
/** Bytes of all Adam7 passes' scanlines (filter byte included). */
const adam7Bytes = (w, h, bytesPerPixel) => {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]
  let n = 0
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((w - x0) / dx)
    const ph = Math.ceil((h - y0) / dy)
    if (pw > 0 && ph > 0) n += ph * (1 + pw * bytesPerPixel)
  }
  return n
}

/**
 * Adam7 RGBA at the worst accepted scale: reduced by 2 for the 1920x1080 variant, its 2720x1530
 * alpha-weighted 32-bit sums (66.6 MB) are the largest that fit the plan's WASM ceiling (5757x3239 is refused).
 */
export const interlacedWorst = () =>
  cached('adversarial-adam7-5440x3060-rgba.png', () => png(ihdr(5440, 3060, 8, 6, 1), deflateSync(Buffer.alloc(adam7Bytes(5440, 3060, 4)), { level: 9 })))

/** The widest accepted PNG: 1,000,000 px (libpng's side limit), 16-bit RGBA, so two 8 MB scanlines. */
export const widestPng = () =>
  cached('adversarial-1000000x40-rgba16.png', () => png(ihdr(1_000_000, 40, 16, 6, 0), deflateSync(Buffer.alloc(40 * (1 + 8_000_000)), { level: 9 })))

/** A 1500x1250 photo-like RGB PNG in ~99,000 IDAT chunks, just under the plan's 100,000 cap. */
export const tinyChunkPng = () =>
  cached('adversarial-1500x1250-99000-idat.png', () => {
    const { data, width, height } = scene(1500, 1250, { grain: 0.6, seed: 23 })
    const raw = Buffer.alloc(height * (1 + width * 3))
    for (let y = 0; y < height; y++) data.copy(raw, y * (1 + width * 3) + 1, y * width * 3, (y + 1) * width * 3)
    const zlib = deflateSync(raw, { level: 6 })
    return png(ihdr(width, height, 8, 2, 0), zlib, Math.ceil(zlib.length / 99_000))
  })

/**
 * A baseline JPEG with one scan per component (non-interleaved: libjpeg keeps every coefficient)
 * at the coefficient cap: 4608x3456 4:2:0, 45.6 MiB of coefficients (the plan allows 46). Made by cjpeg.
 */
export const nonInterleavedJpeg = () =>
  cached('adversarial-4608x3456-non-interleaved.jpg', () => {
    const { data, width, height } = scene(4608, 3456, { grain: 0.4, seed: 29 })
    const dir = mkdtempSync(join(tmpdir(), 'bench-'))
    try {
      writeFileSync(join(dir, 'in.ppm'), Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`), data]))
      writeFileSync(join(dir, 'scans.txt'), '0;\n1;\n2;\n')
      return execFileSync('cjpeg', ['-quality', '80', '-sample', '2x2', '-scans', join(dir, 'scans.txt'), join(dir, 'in.ppm')], { maxBuffer: 64 << 20 })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
