import { describe, expect, it } from 'vitest'
import { acceptedFormats, chooseFile } from './negotiate'

const jpeg = { format: 'jpeg' as const, key: 'a.jpg' }
const png = { format: 'png' as const, key: 'a.png' }
const webp = { format: 'webp' as const, key: 'a.webp' }
const avif = { format: 'avif' as const, key: 'a.avif' }

describe('negotiation', () => {
  it('reads the formats a header names, ignoring q=0 and wildcards', () => {
    expect([...acceptedFormats('image/avif,image/webp,image/apng,*/*;q=0.8')]).toEqual(['avif', 'webp'])
    expect([...acceptedFormats('image/webp;q=0, image/*')]).toEqual([])
    expect([...acceptedFormats('image/jpeg, image/png;q=0')]).toEqual(['jpeg'])
    expect([...acceptedFormats(null)]).toEqual([])
  })

  it('sends the fallback unless a preferred format is named and exists', () => {
    expect(chooseFile([jpeg], jpeg, 'image/avif,image/webp,*/*')).toBe(jpeg)
    expect(chooseFile([png], png, null)).toBe(png)
    // A browser naming the fallback's own type gets the fallback, not another equally preferred format.
    expect(chooseFile([jpeg, png], jpeg, 'image/png')).toBe(jpeg)
    expect(chooseFile([webp, jpeg], jpeg, 'image/webp,*/*')).toBe(webp)
    expect(chooseFile([webp, jpeg], jpeg, 'image/webp;q=0,*/*')).toBe(jpeg)
    expect(chooseFile([webp, png], png, '*/*')).toBe(png)
  })

  it('prefers AVIF over WebP, and WebP for a browser without AVIF', () => {
    const files = [avif, webp, jpeg]
    expect(chooseFile(files, jpeg, 'image/avif,image/webp,*/*')).toBe(avif)
    expect(chooseFile([...files].reverse(), jpeg, 'image/webp,image/avif,*/*')).toBe(avif)
    expect(chooseFile(files, jpeg, 'image/webp,*/*')).toBe(webp)
    expect(chooseFile(files, jpeg, 'image/avif;q=0,image/webp,*/*')).toBe(webp)
    // A variant whose AVIF was left out (not smaller) answers WebP to an AVIF browser.
    expect(chooseFile([webp, jpeg], jpeg, 'image/avif,image/webp,*/*')).toBe(webp)
  })
})
