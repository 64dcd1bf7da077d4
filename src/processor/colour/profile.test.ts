import { describe, expect, it } from 'vitest'
import { fixture } from '../../../test/fixtures'
import { jpegIccProfile, readColourSource, type ColourSource } from './profile'

const ICC = [...'ICC_PROFILE'].map((c) => c.charCodeAt(0)).concat(0)

/** A JPEG's marker structure (no real image data: the parser stops at SOS). */
function jpeg(...segments: [number, number[]][]): Uint8Array {
  const bytes = [0xff, 0xd8]
  for (const [marker, body] of segments) bytes.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body)
  return new Uint8Array([...bytes, 0xff, 0xd9])
}
const app2 = (seq: number, count: number, data: number[]): [number, number[]] => [0xe2, [...ICC, seq, count, ...data]]
const sof = (components: number): [number, number[]] => [0xc0, [8, 0, 16, 0, 16, components]]

/** The ICC header's declared size (bytes 0..3). */
const declared = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getUint32(0)

describe('JPEG APP2 ICC_PROFILE', () => {
  it('reassembles segments by sequence number, whatever their order in the file', () => {
    const file = jpeg(app2(2, 3, [4, 5]), [0xe1, [1, 2, 3]], app2(3, 3, [6]), app2(1, 3, [1, 2, 3]), sof(3))
    const { profile, components } = jpegIccProfile(file)
    expect(Array.from(profile!)).toEqual([1, 2, 3, 4, 5, 6])
    expect(components).toBe(3)
  })

  it('finds segments after stray bytes between markers (libjpeg skips them with a warning)', () => {
    const file = jpeg(app2(1, 2, [1, 2]))
    const junk = new Uint8Array([0x00, 0x13, 0x37])
    const second = jpeg(app2(2, 2, [3]), sof(3)).subarray(2) // without its SOI
    const joined = new Uint8Array([...file.subarray(0, file.length - 2), ...junk, ...second])
    expect(Array.from(jpegIccProfile(joined).profile!)).toEqual([1, 2, 3])
  })

  it.each([
    ['a missing segment', [app2(1, 3, [1]), app2(3, 3, [3])], /2 of 3/],
    ['a repeated segment', [app2(1, 2, [1]), app2(1, 2, [1])], /twice/],
    ['segments disagreeing on the count', [app2(1, 2, [1]), app2(2, 3, [2])], /inconsistent/],
    ['sequence number 0', [app2(0, 1, [1])], /inconsistent/],
  ])('refuses %s', (_, segments, reason) => {
    expect(() => jpegIccProfile(jpeg(...(segments as [number, number[]][])))).toThrow(reason)
  })

  it('reads the three segments of a real 187 KB SWOP profile into one profile of the declared size', () => {
    const { profile, components } = jpegIccProfile(fixture('colour/cmyk-swop.jpg'))
    expect(profile!.length).toBe(187484)
    expect(declared(profile!)).toBe(profile!.length)
    expect(components).toBe(4)
  })

  it('treats a file without APP2 profile as sRGB, and inconsistent segments as unusable (not as a failure)', async () => {
    expect(await readColourSource(fixture('exif-orientation/Landscape_1.jpg'))).toEqual({ kind: 'srgb' })
    const broken = await readColourSource(jpeg(app2(1, 2, [1]), sof(3)))
    expect(broken).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/1 of 2/) })
  })
})

describe('readColourSource', () => {
  const kinds = async (name: string): Promise<ColourSource> => readColourSource(fixture(`colour/${name}`))

  it.each([
    ['adobe-rgb.jpg', 'RGB', /Adobe|a98|1998/i],
    ['display-p3.jpg', 'RGB', /P3/],
    ['prophoto.jpg', 'RGB', /ROMM|ProPhoto/i],
    ['cmyk-swop.jpg', 'CMYK', /./],
    ['cmyk-fogra.jpg', 'CMYK', /FOGRA39/],
    ['grey-gamma18.jpg', 'GRAY', /1\.8/],
    ['adobe-rgb.png', 'RGB', /Adobe|a98|1998/i],
    ['prophoto-16bit.png', 'RGB', /ROMM|ProPhoto/i],
  ])('%s: an ICC profile for %s pixels', async (name, space, description) => {
    const source = await kinds(name)
    expect(source).toMatchObject({ kind: 'icc', space })
    if (source.kind === 'icc') expect(source.description).toMatch(description)
  })

  it('skips conversion for an embedded sRGB profile', async () => {
    expect(await kinds('srgb-tagged.jpg')).toEqual({ kind: 'srgb' })
  })

  it('reports a PNG whose iCCP does not inflate as unusable', async () => {
    expect(await kinds('broken-iccp.png')).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/inflate/) })
  })

  it('passes a profile lcms will reject (garbage tag type) on: the engine judges it', async () => {
    expect(await kinds('broken-profile.jpg')).toMatchObject({ kind: 'icc' })
  })
})

describe('PNG sRGB, gAMA and cHRM without iCCP', () => {
  /** A PNG's chunks up to IDAT, CRCs computed by the platform-independent reference below. */
  function png(colorType: number, chunks: [string, number[]][]): Uint8Array {
    const out = [137, 80, 78, 71, 13, 10, 26, 10]
    const chunk = (type: string, data: number[]) => {
      const body = [...type].map((c) => c.charCodeAt(0)).concat(data)
      out.push(...u32(data.length), ...body, ...u32(crc(body)))
    }
    chunk('IHDR', [...u32(16), ...u32(16), 8, colorType, 0, 0, 0])
    for (const [type, data] of chunks) chunk(type, data)
    chunk('IDAT', [])
    return new Uint8Array(out)
  }
  const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
  const crc = (bytes: number[]) => {
    let c = ~0
    for (const b of bytes) {
      c ^= b
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    }
    return ~c >>> 0
  }
  const gama = (g: number): [string, number[]] => ['gAMA', u32(g)]
  const chrm = (...xy: number[]): [string, number[]] => ['cHRM', xy.flatMap((v) => u32(Math.round(v * 100000)))]

  it('treats sRGB, no colour chunks, and gAMA 1/2.2 with sRGB primaries as sRGB', async () => {
    expect(await readColourSource(png(2, [['sRGB', [0]], gama(100000)]))).toEqual({ kind: 'srgb' })
    expect(await readColourSource(png(2, []))).toEqual({ kind: 'srgb' })
    expect(await readColourSource(png(2, [gama(45455), chrm(0.3127, 0.329, 0.64, 0.33, 0.3, 0.6, 0.15, 0.06)]))).toEqual({ kind: 'srgb' })
  })

  it('builds primaries and gamma from gAMA and cHRM', async () => {
    const source = await readColourSource(png(2, [gama(55555), chrm(0.3457, 0.3585, 0.7347, 0.2653, 0.1596, 0.8404, 0.0366, 0.0001)]))
    expect(source).toMatchObject({ kind: 'primaries', gamma: expect.closeTo(1.8, 3), grey: false, white: [0.3457, 0.3585], green: [0.1596, 0.8404] })
  })

  it('uses sRGB primaries for a gAMA alone, and a grey profile for grey images', async () => {
    expect(await readColourSource(png(0, [gama(100000)]))).toMatchObject({ kind: 'primaries', gamma: 1, grey: true, red: [0.64, 0.33] })
  })

  it('drops a colour chunk with a bad CRC and keeps the others, as libpng does', async () => {
    const file = png(2, [gama(100000)])
    file[8 + 25 + 8 + 3]! ^= 1 // the last byte of the gAMA value: after the signature, IHDR and the gAMA length and type
    expect(await readColourSource(file)).toEqual({ kind: 'srgb' })
    const both = png(0, [gama(100000), chrm(0.3457, 0.3585, 0.7347, 0.2653, 0.1596, 0.8404, 0.0366, 0.0001)])
    both[8 + 25 + 8 + 3]! ^= 1 // gAMA broken, cHRM intact: the primaries stay, gamma defaults to 2.2
    expect(await readColourSource(both)).toMatchObject({ kind: 'primaries', gamma: 2.2, white: [0.3457, 0.3585] })
  })
})
