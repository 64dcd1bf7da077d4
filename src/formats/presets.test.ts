import { describe, expect, it } from 'vitest'
import { PRESETS, fitWithin } from './presets'

const box = (name: string) => PRESETS.find((p) => p.name === name)!

describe('fitWithin', () => {
  it('gives 1440x1080, 800x600 and 200x150 for a 4000x3000 original', () => {
    const src = { width: 4000, height: 3000 }
    expect(fitWithin(src, box('large'))).toEqual({ width: 1440, height: 1080 })
    expect(fitWithin(src, box('medium'))).toEqual({ width: 800, height: 600 })
    expect(fitWithin(src, box('thumb'))).toEqual({ width: 200, height: 150 })
  })

  it('fits portraits by height', () => {
    expect(fitWithin({ width: 1200, height: 1800 }, box('large'))).toEqual({ width: 720, height: 1080 })
  })

  it('never upscales', () => {
    expect(fitWithin({ width: 32, height: 32 }, box('large'))).toEqual({ width: 32, height: 32 })
  })

  it('keeps at least one pixel for extreme aspect ratios', () => {
    expect(fitWithin({ width: 10000, height: 1 }, box('thumb'))).toEqual({ width: 200, height: 1 })
  })
})
