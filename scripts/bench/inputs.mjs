/**
 * Benchmark and quality-test inputs, generated on the fly (cached under
 * node_modules/.cache/processor-bench/inputs): a photo-like scene (smooth
 * gradients, shapes with hard edges, multi-octave texture and sensor-like
 * grain), encoded by sharp.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const inputDir = resolve(root, 'node_modules/.cache/processor-bench/inputs')

function rng(seed) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/** Value noise on a grid of `cell` pixels, bilinear: one octave of texture. */
function octave(width, height, cell, random) {
  const gw = Math.ceil(width / cell) + 2
  const gh = Math.ceil(height / cell) + 2
  const grid = new Float32Array(gw * gh).map(() => random() * 2 - 1)
  return (x, y) => {
    const fx = x / cell
    const fy = y / cell
    const ix = fx | 0
    const iy = fy | 0
    const tx = fx - ix
    const ty = fy - iy
    const a = grid[iy * gw + ix]
    const b = grid[iy * gw + ix + 1]
    const c = grid[(iy + 1) * gw + ix]
    const d = grid[(iy + 1) * gw + ix + 1]
    return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty
  }
}

/**
 * Photo-like pixels. `grain` (0..1) scales the fine detail, i.e. how many bytes
 * a JPEG of it takes; `texture` the large-scale variation; `posterize` rounds to steps (flat areas, for a PNG
 * that must fit the upload limit). `channels` 3 or 4 (4: a soft alpha vignette, or a hard one, plus a hole).
 */
export function scene(width, height, { grain = 1, channels = 3, seed = 7, posterize = 1, texture = 50, hardAlpha = false } = {}) {
  const random = rng(seed)
  const base = Math.max(width, height)
  const o1 = octave(width, height, base / 6, random)
  const o2 = octave(width, height, base / 40, random)
  const o3 = octave(width, height, 24, random)
  const o4 = octave(width, height, 4, random)
  const shapes = Array.from({ length: 24 }, () => ({
    x: random() * width, y: random() * height, r: (0.03 + random() * 0.12) * base,
    color: [random() * 255, random() * 255, random() * 255], square: random() < 0.5,
  }))
  const data = Buffer.alloc(width * height * channels)
  let i = 0
  for (let y = 0; y < height; y++) {
    const sky = y / height
    for (let x = 0; x < width; x++) {
      const t = o1(x, y) * texture + o2(x, y) * 25 * grain + o3(x, y) * 14 * grain + o4(x, y) * 10 * grain + (random() - 0.5) * 10 * grain
      let r = 70 + 120 * sky + t
      let g = 110 + 60 * sky + t * 0.9
      let b = 190 - 110 * sky + t * 0.8
      for (const s of shapes) {
        const dx = x - s.x
        const dy = y - s.y
        const inside = s.square ? Math.abs(dx) < s.r && Math.abs(dy) < s.r * 0.6 : dx * dx + dy * dy < s.r * s.r
        if (inside) {
          r = s.color[0] + t
          g = s.color[1] + t
          b = s.color[2] + t
        }
      }
      data[i++] = Math.round(r / posterize) * posterize
      data[i++] = Math.round(g / posterize) * posterize
      data[i++] = Math.round(b / posterize) * posterize
      if (channels === 4) {
        const ex = x / width - 0.5
        const ey = y / height - 0.5
        const d = Math.sqrt(ex * ex + ey * ey)
        data[i++] = d > 0.5 ? 0 : d > 0.3 && !hardAlpha ? ((0.5 - d) / 0.2) * 255 : Math.abs(ex) < 0.05 && Math.abs(ey) < 0.05 ? 0 : 255
      }
    }
  }
  return { data, width, height, channels }
}

const raw = ({ data, width, height, channels }) => sharp(data, { raw: { width, height, channels } })

/** A file generated once and then read from the cache. */
export async function cached(name, make) {
  const path = resolve(inputDir, name)
  if (!existsSync(path)) {
    mkdirSync(inputDir, { recursive: true })
    writeFileSync(path, await make())
  }
  return path
}

/** 4032x3024 (12 MP) q85 4:2:0 photo, ~3 MB: the most common upload. */
export const photo12mp = () =>
  cached('photo-4032x3024-q85.jpg', () => raw(scene(4032, 3024, { grain: 1.7 })).jpeg({ quality: 85, chromaSubsampling: '4:2:0' }).toBuffer())

/** Width and height of a 4:3 image of at most `pixels`. */
export function sizeFor(pixels) {
  const width = Math.floor(Math.sqrt((pixels * 4) / 3))
  return { width, height: Math.floor(pixels / width) }
}

/** A baseline JPEG of `pixels` that still fits `maxBytes` (less texture, lower quality as needed). */
export const capJpeg = (pixels, maxBytes) => {
  const { width, height } = sizeFor(pixels)
  return cached(`cap-${width}x${height}.jpg`, async () => {
    const img = scene(width, height, { grain: 0.15, seed: 11 })
    for (const quality of [85, 75, 60, 45, 30]) {
      const out = await raw(img).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer()
      if (out.length <= maxBytes) return out
    }
    throw new Error(`cannot fit a ${width}x${height} JPEG in ${maxBytes} bytes`)
  })
}

/** A progressive JPEG of `pixels` (libjpeg must hold all its coefficients). */
export const progressiveJpeg = (pixels, maxBytes) => {
  const { width, height } = sizeFor(pixels)
  return cached(`progressive-${width}x${height}.jpg`, async () => {
    const img = scene(width, height, { grain: 0.5, seed: 13 })
    for (const quality of [85, 70, 50]) {
      const out = await raw(img).jpeg({ quality, progressive: true, chromaSubsampling: '4:2:0' }).toBuffer()
      if (out.length <= maxBytes) return out
    }
    throw new Error(`cannot fit a progressive ${width}x${height} JPEG in ${maxBytes} bytes`)
  })
}

/** An RGBA PNG of `pixels` with smooth content so that it fits the upload limit. */
export const capPng = (pixels, maxBytes) => {
  const { width, height } = sizeFor(pixels)
  return cached(`cap-${width}x${height}.png`, async () => {
    const out = await raw(scene(width, height, { grain: 0, channels: 4, seed: 17, texture: 0, hardAlpha: true })).png({ compressionLevel: 9 }).toBuffer()
    if (out.length > maxBytes) throw new Error(`the ${width}x${height} PNG takes ${out.length} bytes, over ${maxBytes}`)
    return out
  })
}

/**
 * An ICC profile taken from one of the colour fixtures (test/fixtures/colour/README.md), as a
 * file for sharp's withIccProfile; no system profile directory needed.
 */
const fixtureProfile = (fixture) =>
  cached(`${fixture}.icc`, async () => (await sharp(resolve(root, 'test/fixtures/colour', fixture)).metadata()).icc)

/**
 * The 12 MP photo converted by sharp (lcms2) into another colour space, profile embedded:
 * 'adobe-rgb' (Adobe RGB 1998), 'p3' (Display P3, sharp's built-in profile), 'cmyk' (SWOP, 4:4:4 CMYK).
 */
export const photo12mpTagged = (space) =>
  cached(`photo-4032x3024-${space}.jpg`, async () => {
    const profile = space === 'p3' ? 'p3' : await fixtureProfile(space === 'cmyk' ? 'cmyk-swop.jpg' : 'adobe-rgb.jpg')
    // CMYK JPEGs are not subsampled (4 full channels): less grain keeps this one under the 5 MB upload cap.
    const pipeline = raw(scene(4032, 3024, { grain: space === 'cmyk' ? 0.6 : 1.7 })).withIccProfile(profile)
    return (space === 'cmyk' ? pipeline.toColourspace('cmyk').jpeg({ quality: 80 }) : pipeline.jpeg({ quality: 85, chromaSubsampling: '4:2:0' })).toBuffer()
  })

export const readInput = (path) => new Uint8Array(readFileSync(path))
