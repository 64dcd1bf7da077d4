/**
 * Applies an EXIF orientation (1..8) to RGBA pixels, returning them as they
 * should be displayed. Done on the small resized image, not the original.
 */
export interface Pixels {
  width: number
  height: number
  data: Uint8ClampedArray
}

export function orient(src: Pixels, orientation: number): Pixels {
  if (orientation < 2 || orientation > 8) return src
  const { width: w, height: h } = src
  const swap = orientation >= 5
  const dw = swap ? h : w
  const dh = swap ? w : h
  const from = new Uint32Array(src.data.buffer, src.data.byteOffset, w * h)
  const out = new Uint8ClampedArray(dw * dh * 4)
  const to = new Uint32Array(out.buffer)
  // For displayed (x, y): the stored pixel at sx + sy * w, written as base + x * dx + y * dy.
  const [base, dx, dy] = (() => {
    switch (orientation) {
      case 2: return [w - 1, -1, w] // mirror horizontally
      case 3: return [w * h - 1, -1, -w] // rotate 180
      case 4: return [(h - 1) * w, 1, -w] // mirror vertically
      case 5: return [0, w, 1] // transpose
      case 6: return [(h - 1) * w, -w, 1] // rotate 90 clockwise
      case 7: return [w * h - 1, -w, -1] // transverse
      default: return [w - 1, w, -1] // 8: rotate 90 counter-clockwise
    }
  })()
  let i = 0
  for (let y = 0; y < dh; y++) {
    let s = base + y * dy
    for (let x = 0; x < dw; x++, s += dx) to[i++] = from[s]!
  }
  return { width: dw, height: dh, data: out }
}
