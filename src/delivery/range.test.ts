import { describe, expect, it } from 'vitest'
import { etagMatches, parseRange } from './range'

describe('parseRange', () => {
  it('handles start-end, open-ended and suffix ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 })
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 })
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 })
    expect(parseRange('bytes=50-500', 100)).toEqual({ kind: 'range', start: 50, end: 99 })
  })
  it('calls ranges past the end unsatisfiable', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' })
  })
  it('ignores what it does not support', () => {
    expect(parseRange(null, 100)).toEqual({ kind: 'none' })
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'none' })
    expect(parseRange('items=0-1', 100)).toEqual({ kind: 'none' })
  })
})

describe('etagMatches', () => {
  it('compares weakly and accepts lists and *', () => {
    expect(etagMatches('"a", W/"b"', '"b"')).toBe(true)
    expect(etagMatches('*', '"x"')).toBe(true)
    expect(etagMatches('"a"', '"b"')).toBe(false)
    expect(etagMatches(null, '"b"')).toBe(false)
  })
})
