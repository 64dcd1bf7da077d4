/**
 * The default inputs of the processor bench (npm run bench) and the workerd-side
 * memory bench: the 12 MP photo, a baseline JPEG and an RGBA PNG at the pixel cap, a progressive
 * JPEG at its cap, the photo with Adobe RGB / Display P3 / CMYK profiles, and the adversarial shapes.
 * The caps are the service's own: src/formats/limits.ts and MAX_UPLOAD_BYTES of wrangler.toml.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { capJpeg, capPng, photo12mp, photo12mpTagged, progressiveJpeg } from './inputs.mjs'
import { interlacedWorst, nonInterleavedJpeg, tinyChunkPng, widestPng } from './adversarial.mjs'
// Node strips the types; limits.ts imports nothing.
import { MAX_PIXELS, MAX_PROGRESSIVE_PIXELS } from '../../src/formats/limits.ts'

/** The pixel caps (not settings: src/formats/limits.ts) and the API's MAX_UPLOAD_BYTES. */
export function processorLimits(root) {
  const vars = readFileSync(resolve(root, 'wrangler.toml'), 'utf8')
  const maxBytes = Number(vars.match(/^MAX_UPLOAD_BYTES\s*=\s*"(\d+)"/m)?.[1])
  return { maxPixels: MAX_PIXELS, maxProgressive: MAX_PROGRESSIVE_PIXELS, maxBytes }
}

/** Paths of the default inputs, generated on first use (cached under node_modules/.cache). */
export const defaultInputs = async ({ maxPixels, maxProgressive, maxBytes }) => [
  await photo12mp(), await capJpeg(maxPixels, maxBytes), await capPng(maxPixels, maxBytes), await progressiveJpeg(maxProgressive, maxBytes),
  await photo12mpTagged('adobe-rgb'), await photo12mpTagged('p3'), await photo12mpTagged('cmyk'),
  await interlacedWorst(), await widestPng(), await tinyChunkPng(), await nonInterleavedJpeg(),
]
