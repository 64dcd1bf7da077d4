import { describe, expect, it } from 'vitest'
import { orient } from './orient'

// A 3x2 image whose pixels are numbered 0..5 (one byte each in R).
//   0 1 2
//   3 4 5
const src = () => {
  const data = new Uint8ClampedArray(6 * 4)
  for (let i = 0; i < 6; i++) data[i * 4] = i
  return { width: 3, height: 2, data }
}
const rows = (p: { width: number; height: number; data: Uint8ClampedArray }) =>
  Array.from({ length: p.height }, (_, y) => Array.from({ length: p.width }, (_, x) => p.data[(y * p.width + x) * 4]))

describe('orient', () => {
  it.each([
    [1, [[0, 1, 2], [3, 4, 5]]],
    [2, [[2, 1, 0], [5, 4, 3]]],
    [3, [[5, 4, 3], [2, 1, 0]]],
    [4, [[3, 4, 5], [0, 1, 2]]],
    [5, [[0, 3], [1, 4], [2, 5]]],
    [6, [[3, 0], [4, 1], [5, 2]]],
    [7, [[5, 2], [4, 1], [3, 0]]],
    [8, [[2, 5], [1, 4], [0, 3]]],
  ])('orientation %i', (o, expected) => {
    expect(rows(orient(src(), o))).toEqual(expected)
  })
})
