/**
 * A variant at the original's own size and format is the original's coded data without its
 * metadata (src/formats/strip.ts), but only for a file that is upright and sRGB as stored; the
 * rest are re-encoded. Counts come from PRESETS, so a preset added in one line is covered too.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { fitWithin, PRESETS } from '../src/formats/presets'
import { stripJpeg, stripPng } from '../src/formats/strip'
import { crc32 } from '../src/lib/crc32'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'

let token: string
beforeAll(async () => ({ token } = await createUser()))

describe("a variant at the original's size", () => {
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0))
  const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

  /** How many presets leave an image of this size as it is (inside their box). */
  const atOwnSize = (width: number, height: number) => PRESETS.filter((p) => fitWithin({ width, height }, p).width === width).length

  /** Uploads, processes and fetches each variant's fallback file. */
  async function madeFrom(original: Uint8Array) {
    const queue = captureQueue()
    const { id } = await (await call(uploadRequest(token, original))).json<any>()
    await runQueue(queue.take())
    queue.restore()
    const image = await (await call(`/images/${id}`)).json<any>()
    expect(image.status).toBe('completed')
    const out: Record<string, { width: number; height: number; bytes: Uint8Array }> = {}
    for (const v of image.variants) out[v.name] = { width: v.width, height: v.height, bytes: new Uint8Array(await (await call(new Request(v.url))).arrayBuffer()) }
    return out
  }

  it("is the original's coded data without its metadata (sRGB JPEG)", async () => {
    const sound = fixture('tolerant/jpeg-320x240.jpg')
    const exif = segment(0xe1, [...ascii('Exif\0\0'), 1, 2, 3, 4])
    const comment = segment(0xfe, ascii('taken at home'))
    const tagged = new Uint8Array([0xff, 0xd8, ...exif, ...comment, ...sound.subarray(2)])
    const variants = await madeFrom(tagged)
    const stripped = stripJpeg(tagged)!
    expect(same(stripped, stripJpeg(sound)!)).toBe(true)
    for (const [name, v] of Object.entries(variants)) {
      expect(same(v.bytes, stripped), name).toBe(v.width === 320 && v.height === 240)
      expect(Buffer.from(v.bytes).includes('taken at home'), name).toBe(false)
    }
    expect(Object.values(variants).filter((v) => v.width === 320)).toHaveLength(atOwnSize(320, 240))
    expect(atOwnSize(320, 240)).toBeGreaterThan(0)
  })

  it("is the original's coded data without its text chunks (PNG)", async () => {
    const sound = fixture('tolerant/png-640x480.png')
    const body = [...ascii('tEXt'), ...ascii('Comment\0taken at home')]
    const crc = crc32(0, new Uint8Array(body))
    const text = [0, 0, 0, body.length - 4, ...body, crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255]
    const tagged = new Uint8Array([...sound.subarray(0, 33), ...text, ...sound.subarray(33)])
    const variants = await madeFrom(tagged)
    const stripped = stripPng(tagged)!
    expect(same(stripped, sound)).toBe(true) // the fixture has nothing to strip
    for (const [name, v] of Object.entries(variants)) expect(same(v.bytes, stripped), name).toBe(v.width === 640 && v.height === 480)
    expect(Object.values(variants).filter((v) => v.width === 640)).toHaveLength(atOwnSize(640, 480))
    expect(atOwnSize(640, 480)).toBeGreaterThan(0)
  })

  it('is re-encoded when the original is not sRGB or not upright', async () => {
    const sound = fixture('tolerant/jpeg-320x240.jpg')
    // EXIF orientation 6 (big-endian TIFF, one IFD entry): shown 240x320, still inside the large box.
    const tiff = [...ascii('MM'), 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
    const rotated = new Uint8Array([0xff, 0xd8, ...segment(0xe1, [...ascii('Exif\0\0'), ...tiff]), ...sound.subarray(2)])
    for (const [file, original] of [['display-p3', fixture('colour/display-p3.jpg')], ['rotated', rotated]] as const) {
      const stripped = stripJpeg(original)!
      const variants = await madeFrom(original)
      for (const [name, v] of Object.entries(variants)) expect(same(v.bytes, stripped), `${file} ${name}`).toBe(false)
      if (file === 'rotated') expect([variants.large!.width, variants.large!.height]).toEqual([240, 320])
    }
  })
})
