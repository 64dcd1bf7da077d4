/**
 * The default inputs of the processor bench (npm run bench) and the workerd-side
 * memory bench: the 12 MP photo, a baseline JPEG and an RGBA PNG at the pixel cap, a progressive
 * JPEG at its cap, the photo with Adobe RGB / Display P3 / CMYK profiles, and the adversarial shapes.
 * The caps are read from wrangler.processor.toml, as the Worker gets them.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { capJpeg, capPng, photo12mp, photo12mpTagged, progressiveJpeg } from './inputs.mjs'
import { interlacedWorst, nonInterleavedJpeg, tinyChunkPng, widestPng } from './adversarial.mjs'

/** MAX_PIXELS, MAX_PROGRESSIVE_PIXELS and MAX_UPLOAD_BYTES of the processor's config. */
export function processorLimits(root) {
  const vars = readFileSync(resolve(root, 'wrangler.processor.toml'), 'utf8')
  const varOf = (name) => Number(vars.match(new RegExp(`^${name}\\s*=\\s*"(\\d+)"`, 'm'))?.[1])
  const maxPixels = varOf('MAX_PIXELS')
  return { maxPixels, maxProgressive: varOf('MAX_PROGRESSIVE_PIXELS') || maxPixels, maxBytes: varOf('MAX_UPLOAD_BYTES') }
}

/** Paths of the default inputs, generated on first use (cached under node_modules/.cache). */
export const defaultInputs = async ({ maxPixels, maxProgressive, maxBytes }) => [
  await photo12mp(), await capJpeg(maxPixels, maxBytes), await capPng(maxPixels, maxBytes), await progressiveJpeg(maxProgressive, maxBytes),
  await photo12mpTagged('adobe-rgb'), await photo12mpTagged('p3'), await photo12mpTagged('cmyk'),
  await interlacedWorst(), await widestPng(), await tinyChunkPng(), await nonInterleavedJpeg(),
]
