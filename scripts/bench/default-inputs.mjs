/**
 * The default inputs of the processor bench (npm run bench) and the workerd-side
 * memory bench: the 12 MP photo, a baseline JPEG and an RGBA PNG at the pixel cap, a progressive
 * JPEG at its cap, the photo with Adobe RGB / Display P3 / CMYK profiles, and the adversarial shapes.
 * The caps are read from src/formats/limits.ts and wrangler.toml (processorLimits).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { capJpeg, capPng, photo12mp, photo12mpTagged, progressiveJpeg } from './inputs.mjs'
import { interlacedWorst, nonInterleavedJpeg, tinyChunkPng, widestPng } from './adversarial.mjs'

/**
 * The pixel caps (src/formats/limits.ts: constants, not settings, since the caps left the Worker
 * config) and MAX_UPLOAD_BYTES (wrangler.toml's var, as the API gets it).
 */
export function processorLimits(root) {
  const limits = readFileSync(resolve(root, 'src/formats/limits.ts'), 'utf8')
  const constant = (name) => Number(limits.match(new RegExp(`^export const ${name} = ([\\d_]+)`, 'm'))?.[1].replaceAll('_', ''))
  const vars = readFileSync(resolve(root, 'wrangler.toml'), 'utf8')
  const maxBytes = Number(vars.match(/^MAX_UPLOAD_BYTES\s*=\s*"(\d+)"/m)?.[1])
  const found = { maxPixels: constant('MAX_PIXELS'), maxProgressive: constant('MAX_PROGRESSIVE_PIXELS'), maxBytes }
  for (const [name, value] of Object.entries(found)) if (!(value > 0)) throw new Error(`bench: cannot read ${name} from src/formats/limits.ts / wrangler.toml`)
  return found
}

/** Paths of the default inputs, generated on first use (cached under node_modules/.cache). */
export const defaultInputs = async ({ maxPixels, maxProgressive, maxBytes }) => [
  await photo12mp(), await capJpeg(maxPixels, maxBytes), await capPng(maxPixels, maxBytes), await progressiveJpeg(maxProgressive, maxBytes),
  await photo12mpTagged('adobe-rgb'), await photo12mpTagged('p3'), await photo12mpTagged('cmyk'),
  await interlacedWorst(), await widestPng(), await tinyChunkPng(), await nonInterleavedJpeg(),
]
