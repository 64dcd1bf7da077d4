/** The reference: native sharp (libvips, shrink-on-load) making the same variants on one thread, as a Worker has. */
import sharp from 'sharp'

sharp.concurrency(1)
sharp.cache(false)

/** Each variant from the original, as sharp is normally used: upright, inside the box, never enlarged, JPEG q82 or PNG. */
export async function sharpVariants(bytes, boxes, { raw = false } = {}) {
  const isPng = bytes[0] === 0x89
  const out = []
  for (const box of boxes) {
    const pipeline = sharp(bytes, { limitInputPixels: false }).rotate().resize(box.width, box.height, { fit: 'inside', withoutEnlargement: true })
    if (raw) out.push(await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true }))
    else out.push(await (isPng ? pipeline.png() : pipeline.jpeg({ quality: 82 })).toBuffer())
  }
  return out
}
