/**
 * CIE76 colour difference between sRGB colours (D65 Lab), for comparing
 * variants with a colour-managed reference over a coarse grid: averaging
 * blocks first removes JPEG noise and resampling detail, leaving colour.
 */

export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (v: number) => {
    v /= 255
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  }
  const [R, G, B] = [lin(r), lin(g), lin(b)]
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116)
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))]
}

/** Mean CIE76 difference between two equally long lists of colours, `stride` values apart (3 = RGB, 4 = RGBA). */
export function meanDeltaE76(a: ArrayLike<number>, b: ArrayLike<number>, strideA = 3, strideB = strideA): number {
  const n = a.length / strideA
  if (n !== b.length / strideB) throw new Error(`${n} colours against ${b.length / strideB}`)
  let sum = 0
  for (let i = 0; i < n; i++) {
    const p = srgbToLab(a[i * strideA]!, a[i * strideA + 1]!, a[i * strideA + 2]!)
    const q = srgbToLab(b[i * strideB]!, b[i * strideB + 1]!, b[i * strideB + 2]!)
    sum += Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2])
  }
  return sum / n
}
