import { describe, expect, it } from 'vitest'
import { fileKey, parseFileKey } from './files'

const id = '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10'
const sha = 'ab12cd34ef567890'.padEnd(64, '0')

describe('file keys', () => {
  it('carry size and content hash, and parse back', () => {
    const key = fileKey(id, 'large', 1440, 1080, sha, 'jpeg')
    expect(key).toBe(`${id}/large_1440x1080_ab12cd34ef567890.jpg`)
    expect(parseFileKey(key)).toEqual({ imageId: id, name: 'large', width: 1440, height: 1080, hash: 'ab12cd34ef567890', ext: 'jpg', format: 'jpeg' })
  })

  it('reject anything else, including traversal', () => {
    for (const bad of ['', '../etc/passwd', `${id}/large_1x1_ab12cd34ef567890.gif`, `${id}/../x_1x1_ab12cd34ef567890.jpg`, `${id}/large_1440x1080_AB12CD34EF567890.jpg`]) {
      expect(parseFileKey(bad)).toBeNull()
    }
  })
})

describe('keys follow the catalogue', () => {
  it('accept every preset and format, and nothing beside them', async () => {
    const { PRESET_NAMES } = await import('../formats/presets')
    const { FORMAT_NAMES } = await import('../formats/registry')
    for (const name of PRESET_NAMES) for (const format of FORMAT_NAMES) expect(parseFileKey(fileKey(id, name, 10, 10, sha, format))?.format).toBe(format)
    expect(parseFileKey(`${id}/huge_10x10_ab12cd34ef567890.jpg`)).toBeNull()
  })
})
