/** The reference: native sharp (libvips, shrink-on-load) making the same variants on one thread, as a Worker has. */
import sharp from 'sharp'

sharp.concurrency(1)
sharp.cache(false)

/**
 * sharp's settings for each of our formats, at the processor's own (src/processor/render.ts): JPEG q82,
 * PNG at its defaults, WebP q80 effort 4 (= libwebp method 4), AVIF q60 effort 2 (= libaom cpu-used 7), 4:2:0
 * (ours lowers AVIF's q on smaller variants to reach the same butteraugli: that is what is compared).
 */
export const SHARP_SETTINGS = {
  jpeg: (p, jpegQuality = 82) => p.jpeg({ quality: jpegQuality }),
  png: (p) => p.png(),
  webp: (p) => p.webp({ quality: 80, effort: 4 }),
  avif: (p) => p.avif({ quality: 60, effort: 2, chromaSubsampling: '4:2:0' }),
}

/**
 * Each variant from the original, as sharp is normally used: upright, inside the box, never
 * enlarged, in every format the preset lists ('source' = the original's); `raw` gives RGBA instead;
 * `jpegQuality` is the processor's for this source (never above the source's own estimated quality).
 * Returns one entry per box: `{ files: [{ format, bytes }] }` (or the raw buffer with `raw`).
 */
export async function sharpVariants(bytes, boxes, { raw = false, jpegQuality = 82 } = {}) {
  const source = bytes[0] === 0x89 ? 'png' : 'jpeg'
  const out = []
  for (const box of boxes) {
    const pipeline = sharp(bytes, { limitInputPixels: false }).rotate().resize(box.width, box.height, { fit: 'inside', withoutEnlargement: true })
    if (raw) {
      out.push(await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true }))
      continue
    }
    const formats = [...new Set([source, ...(box.formats ?? ['source']).map((f) => (f === 'source' ? source : f))])]
    const files = []
    for (const format of formats) files.push({ format, bytes: await SHARP_SETTINGS[format](pipeline.clone(), jpegQuality).toBuffer() })
    out.push({ files })
  }
  return out
}
