// Photo-like test JPEGs for the load benchmark: smooth gradients and soft blobs
// (what a camera sees) plus fine noise (sensor grain, which is what makes a real
// photo cost ~1 MB at q90). Made once with sharp and kept in a temp folder.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'

// Sizes between 2000x1500 and 3000x2000, landscape and portrait.
const SHAPES = [
  [2000, 1500],
  [2400, 1800],
  [2592, 1944],
  [3000, 2000],
  [1800, 2400],
  [2800, 1870],
]
const VERSION = 'v1'

/** A deterministic pseudo-random generator, so the cached set is the same on every machine. */
function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function photoLikePixels(width, height, seed, noise) {
  const rand = mulberry32(seed)
  const px = Buffer.alloc(width * height * 3)
  const blobs = Array.from({ length: 12 }, () => ({
    x: rand() * width,
    y: rand() * height,
    r: (0.08 + rand() * 0.25) * Math.max(width, height),
    c: [rand() * 160 - 80, rand() * 160 - 80, rand() * 160 - 80],
  }))
  const base = [40 + rand() * 120, 40 + rand() * 120, 40 + rand() * 120]
  const slope = [rand() * 80 - 40, rand() * 80 - 40, rand() * 80 - 40]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = (x / width + y / height) / 2
      let r = base[0] + slope[0] * g
      let gr = base[1] + slope[1] * g
      let b = base[2] + slope[2] * g
      for (const blob of blobs) {
        const dx = x - blob.x
        const dy = y - blob.y
        const w = Math.exp(-(dx * dx + dy * dy) / (blob.r * blob.r))
        r += blob.c[0] * w
        gr += blob.c[1] * w
        b += blob.c[2] * w
      }
      const grain = (rand() - 0.5) * noise
      const i = (y * width + x) * 3
      px[i] = r + grain + (rand() - 0.5) * 4
      px[i + 1] = gr + grain + (rand() - 0.5) * 4
      px[i + 2] = b + grain + (rand() - 0.5) * 4
    }
  }
  return px
}

const TARGET_BYTES = 1_000_000

/** A JPEG of about TARGET_BYTES: file size grows about linearly with the grain, so one correction step lands within a few percent. */
async function photoJpeg(width, height, seed) {
  const encode = (noise) => sharp(photoLikePixels(width, height, seed, noise), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()
  // Measured here: bytes ~ pixels x (0.035 + 0.011 x noise) at q90.
  const guess = Math.max(2, (TARGET_BYTES / (width * height) - 0.035) / 0.011)
  const first = await encode(guess)
  const perNoise = (first.length - 0.035 * width * height) / guess
  return encode(Math.max(2, guess + (TARGET_BYTES - first.length) / perNoise))
}

/** Returns [{ name, bytes, width, height }], generating the set on first use. */
export async function benchImages(log = () => {}) {
  const dir = join(tmpdir(), `image-service-bench-images-${VERSION}`)
  mkdirSync(dir, { recursive: true })
  const names = SHAPES.map(([w, h], i) => `photo-${i}-${w}x${h}.jpg`)
  if (!names.every((n) => existsSync(join(dir, n)))) {
    log(`generating ${names.length} test JPEGs in ${dir} (once)`)
    for (const [i, [width, height]] of SHAPES.entries()) {
      writeFileSync(join(dir, names[i]), await photoJpeg(width, height, 1000 + i))
    }
  }
  return names.map((name, i) => ({ name, bytes: readFileSync(join(dir, name)), width: SHAPES[i][0], height: SHAPES[i][1] }))
}
