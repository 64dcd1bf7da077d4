/**
 * Caps on what is accepted, decided from the header before decoding; the processor's memory plan
 * (src/processor/plan.ts) refines them per image. Not settings: they are what was measured to fit.
 */

/** The one pixel cap (width x height of the stored image). */
export const MAX_PIXELS = 100_000_000
/** Progressive JPEGs keep every DCT coefficient while decoding (~3 bytes/pixel at 4:2:0). */
export const MAX_PROGRESSIVE_PIXELS = 16_000_000

const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`

/** Why a header is over the pixel caps, or null. */
export function overPixelCaps(h: { width: number; height: number; progressive: boolean }): string | null {
  const pixels = h.width * h.height
  if (pixels > MAX_PIXELS) return `The image is ${h.width}x${h.height} (${mp(pixels)}); the limit is ${mp(MAX_PIXELS)}.`
  if (h.progressive && pixels > MAX_PROGRESSIVE_PIXELS) {
    return `The image is a progressive JPEG of ${h.width}x${h.height} (${mp(pixels)}); the limit for progressive JPEGs is ${mp(MAX_PROGRESSIVE_PIXELS)}.`
  }
  return null
}
