/**
 * Variants must look like sharp's (libvips, Lanczos-3 with shrink-on-load) for
 * the same box, so speed is not bought with blur or aliasing. Runs the
 * Worker's processor code bundled for Node, the same bundle as `npm run bench`.
 *
 * Per variant, against sharp's output decoded to RGBA:
 * - PSNR over all channels (colour premultiplied by alpha) >= MIN_PSNR dB;
 * - detail (mean absolute Laplacian of luma) within DETAIL_RANGE of sharp's:
 *   lower means blur, higher means aliasing or ringing.
 *
 * Colour (profile-tagged originals): each variant, decoded as sRGB, against
 * sharp's colour-managed rendering (lcms2 from the embedded profile to sRGB)
 * at the same size: mean CIE76 over a coarse grid <= MAX_MEAN_DELTA_E.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProcessor } from '../../scripts/bench/bundle.mjs'
import { photo12mp, photo12mpTagged, readInput, scene } from '../../scripts/bench/inputs.mjs'
import { sharpVariants } from '../../scripts/bench/sharp.mjs'
import { meanDeltaE76 } from '../colour-difference'

const MIN_PSNR = 32
const DETAIL_RANGE = [0.85, 1.25] as const
const DETAIL_FLOOR = 0.5
/** PSNR above which two files' differences are far too small to see (the JPEG/PNG bar is 32 dB). */
const INVISIBLE_PSNR = 45
const MAX_MEAN_DELTA_E = 1.5
/** Cells of the colour grid (block means): removes JPEG noise and resampling detail, keeps colour. */
const GRID_CELL = 8

interface Rgba {
  width: number
  height: number
  data: Uint8Array
}

/**
 * A file's pixels as a colour-managed browser shows them: any embedded profile applied (ours are sRGB;
 * the inputs' are not). withIccProfile('srgb') asks for it explicitly: without it sharp 0.35 leaves a
 * 16-bit PNG's profile unapplied.
 */
const rgba = async (bytes: Uint8Array): Promise<Rgba> => {
  const { data, info } = await sharp(bytes).withIccProfile('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data }
}

/** PSNR over R, G, B (premultiplied by alpha) and A. */
function psnr(a: Rgba, b: Rgba): number {
  let sum = 0
  for (let i = 0; i < a.data.length; i += 4) {
    const aa = a.data[i + 3]!
    const ba = b.data[i + 3]!
    for (let c = 0; c < 3; c++) {
      const d = (a.data[i + c]! * aa - b.data[i + c]! * ba) / 255
      sum += d * d
    }
    sum += (aa - ba) ** 2
  }
  const mse = sum / a.data.length
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse)
}

/** Mean absolute 4-neighbour Laplacian of luma (premultiplied): how much fine detail there is. */
function detail(img: Rgba): number {
  const { width: w, height: h, data } = img
  const luma = new Float32Array(w * h)
  for (let p = 0, i = 0; p < w * h; p++, i += 4) luma[p] = ((0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!) * data[i + 3]!) / 255
  let sum = 0
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x
      sum += Math.abs(4 * luma[p]! - luma[p - 1]! - luma[p + 1]! - luma[p - w]! - luma[p + w]!)
    }
  return sum / ((w - 2) * (h - 2))
}

let processor: Awaited<ReturnType<typeof loadProcessor>>
beforeAll(async () => {
  processor = await loadProcessor()
})

const fixture = (name: string) => new Uint8Array(readFileSync(resolve(__dirname, '../fixtures', name)))

const cases: [string, () => Promise<Uint8Array>][] = [
  ['a 12 MP photo (4032x3024 q85 4:2:0, generated)', async () => readInput(await photo12mp())],
  ['an EXIF-rotated JPEG (orientation 6)', async () => fixture('exif-orientation/Landscape_6.jpg')],
  ['an EXIF-mirrored portrait JPEG (orientation 7)', async () => fixture('exif-orientation/Portrait_7.jpg')],
  ['a PNG with soft alpha (2400x1800, generated)', async () => new Uint8Array(await sharp(scene(2400, 1800, { channels: 4, grain: 0.6, seed: 3 }).data, { raw: { width: 2400, height: 1800, channels: 4 } }).png().toBuffer())],
  ['a small PNG with alpha (fixture)', async () => fixture('generated/alpha-640x480.png')],
]

/** A 3x3 box blur, to show the detail measure catches blur. */
function blur(img: Rgba): Rgba {
  const { width: w, height: h, data } = img
  const out = new Uint8Array(data)
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++)
      for (let c = 0; c < 4; c++) {
        let sum = 0
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += data[((y + dy) * w + x + dx) * 4 + c]!
        out[(y * w + x) * 4 + c] = Math.round(sum / 9)
      }
  return { width: w, height: h, data: out }
}

describe('variants match sharp for the same box', () => {
  it('the detail measure rejects a slightly blurred variant', async () => {
    const bytes = readInput(await photo12mp())
    const [large] = await sharpVariants(bytes, processor.PRESETS)
    const sharpLarge = await rgba(large!.files[0]!.bytes)
    const blurred = blur(sharpLarge)
    expect((detail(blurred) + DETAIL_FLOOR) / (detail(sharpLarge) + DETAIL_FLOOR)).toBeLessThan(DETAIL_RANGE[0])
  })

  it.each(cases)('%s', async (_name, load) => {
    const bytes = await load()
    // Every format's file, ours and sharp's at the same settings, decoded: like is compared with like.
    const ours: { format: string; image: Rgba }[][] = []
    for await (const v of processor.renderVariants(bytes, processor.PRESETS, { maxPixels: 100_000_000 })) {
      ours.push(await Promise.all(v.files.map(async (f: { format: string; bytes: Uint8Array }) => ({ format: f.format, image: await rgba(f.bytes) }))))
    }
    const theirs = await sharpVariants(bytes, processor.PRESETS)
    expect(ours).toHaveLength(theirs.length)
    for (const [i, preset] of processor.PRESETS.entries()) {
      expect(ours[i]!.map((f) => f.format), preset.name).toEqual(theirs[i]!.files.map((f) => f.format).filter((f) => ours[i]!.some((o) => o.format === f)))
      const sharpFallback = await rgba(theirs[i]!.files[0]!.bytes)
      for (const { format, image: a } of ours[i]!) {
        const b = format === ours[i]![0]!.format ? sharpFallback : await rgba(theirs[i]!.files.find((f) => f.format === format)!.bytes)
        expect([preset.name, format, a.width, a.height]).toEqual([preset.name, format, b.width, b.height])
        const p = psnr(a, b)
        // Smooth images have almost no detail to compare: a floor keeps the ratio meaningful. The fallback's
        // detail is judged against sharp's fallback (the resize). A modern file's is judged by what its encoder
        // keeps of the fallback's detail, next to what sharp's encoder at the same settings keeps of sharp's:
        // lossy codecs smooth, and the peer is the measure of how much is fair.
        const fallback = ours[i]![0]!.image
        const d = (x: Rgba) => detail(x) + DETAIL_FLOOR
        const ratio = a === fallback ? d(a) / d(b) : d(a) / d(fallback) / (d(b) / d(sharpFallback))
        console.log(`${_name} ${preset.name} ${format} ${a.width}x${a.height}: PSNR ${p.toFixed(1)} dB, detail ratio ${ratio.toFixed(3)}`)
        expect(p).toBeGreaterThanOrEqual(MIN_PSNR)
        // A modern file within INVISIBLE_PSNR of sharp's has no visible difference for detail to measure:
        // there the ratio only compares two libaom/libwebp versions' rounding of near-flat areas.
        if (a !== fallback && p >= INVISIBLE_PSNR) continue
        expect(ratio).toBeGreaterThanOrEqual(DETAIL_RANGE[0])
        expect(ratio).toBeLessThanOrEqual(DETAIL_RANGE[1])
      }
    }
  })
})

/** Block means over GRID_CELL x GRID_CELL cells, RGB. */
function grid(img: Rgba): number[] {
  const out: number[] = []
  for (let gy = 0; gy + GRID_CELL <= img.height; gy += GRID_CELL)
    for (let gx = 0; gx + GRID_CELL <= img.width; gx += GRID_CELL)
      for (let c = 0; c < 3; c++) {
        let sum = 0
        for (let y = gy; y < gy + GRID_CELL; y++) for (let x = gx; x < gx + GRID_CELL; x++) sum += img.data[(y * img.width + x) * 4 + c]!
        out.push(sum / (GRID_CELL * GRID_CELL))
      }
  return out
}

const colourFixtures = readdirSync(resolve(__dirname, '../fixtures/colour')).filter((f) => /\.(jpg|png)$/.test(f)).sort()
const colourCases: [string, () => Promise<Uint8Array>][] = [
  ...colourFixtures.map((name): [string, () => Promise<Uint8Array>] => [`colour/${name}`, async () => fixture(`colour/${name}`)]),
  ...(['adobe-rgb', 'p3', 'cmyk'] as const).map((space): [string, () => Promise<Uint8Array>] => [`12 MP photo, ${space} profile (generated)`, async () => readInput(await photo12mpTagged(space))]),
]

describe('variants are colour-managed like sharp', () => {
  const figures: string[] = []
  afterAll(() => console.log(`mean dE76 vs sharp (grid of ${GRID_CELL}x${GRID_CELL} means, max ${MAX_MEAN_DELTA_E}): ${figures.join('; ')}`))

  it.each(colourCases)('%s', async (name, load) => {
    const bytes = await load()
    const broken = name.includes('broken')
    const ours: Rgba[] = []
    const fallbacks: string[] = []
    for await (const v of processor.renderVariants(bytes, processor.PRESETS, { maxPixels: 100_000_000, onColourFallback: (r: string) => fallbacks.push(r) })) ours.push(await rgba(v.bytes))
    // A broken profile: we read the pixels as sRGB, which is sharp's ignoreIcc. withIccProfile('srgb')
    // asks for the conversion explicitly: without it sharp 0.35 leaves a 16-bit PNG's profile unapplied.
    const theirs: Rgba[] = []
    for (const box of processor.PRESETS) {
      const pipeline = sharp(bytes, { ignoreIcc: broken }).rotate().resize(box.width, box.height, { fit: 'inside', withoutEnlargement: true }).withIccProfile('srgb')
      const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
      theirs.push({ width: info.width, height: info.height, data })
    }
    const errors = processor.PRESETS.map((preset: { name: string }, i: number) => {
      const a = ours[i]!
      const b = theirs[i]!
      expect([a.width, a.height]).toEqual([b.width, b.height])
      return meanDeltaE76(grid(a), grid(b))
    })
    figures.push(`${name} ${errors.map((e: number) => e.toFixed(2)).join('/')}`)
    expect(fallbacks.length > 0).toBe(broken)
    for (const [i, e] of errors.entries()) expect(e, processor.PRESETS[i]!.name).toBeLessThanOrEqual(MAX_MEAN_DELTA_E)
  })
})
