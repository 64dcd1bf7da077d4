/**
 * What colour space an original's pixels are in, read from its metadata
 * before decoding: JPEG APP2 `ICC_PROFILE` segments (reassembled in sequence
 * order), PNG `iCCP`, else PNG `sRGB`, else PNG `cHRM`/`gAMA`.
 *
 * Pure logic over the original's bytes (the decoders stream and skip these
 * chunks); the conversion itself is lcms2 in the codec module (colour.c).
 * Anything unusable is reported as `invalid` with a reason: the caller then
 * treats the pixels as sRGB and logs, it never fails the image.
 */
import { PNG_SIGNATURE } from '../../formats/png'
import { crc32 } from '../../lib/crc32'

export type ProfileSpace = 'RGB' | 'GRAY' | 'CMYK'

export type ColourSource =
  /** Already sRGB (no metadata, an sRGB chunk, or an sRGB ICC profile): nothing to do. */
  | { kind: 'srgb' }
  | { kind: 'icc'; profile: Uint8Array; space: ProfileSpace; description: string }
  /** PNG cHRM/gAMA: CIE xy of white and primaries, and the decoding exponent (2.2 for gAMA 45455). */
  | { kind: 'primaries'; white: XY; red: XY; green: XY; blue: XY; gamma: number; grey: boolean }
  | { kind: 'invalid'; reason: string }

export type XY = readonly [number, number]

/** Profiles above this are refused (real ones are 0.5-600 KB; a CMYK LUT profile up to ~2 MB). */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024

const SRGB = { white: [0.3127, 0.329], red: [0.64, 0.33], green: [0.3, 0.6], blue: [0.15, 0.06] } as const
/** sRGB's colourants adapted to D50, as every v2/v4 sRGB profile stores them (rXYZ, gXYZ, bXYZ). */
const SRGB_COLOURANTS = [
  [0.4361, 0.2225, 0.0139],
  [0.3851, 0.7169, 0.0971],
  [0.1431, 0.0606, 0.7141],
]

const ICC_MARKER = 'ICC_PROFILE\0'

/** Never throws: metadata that cannot be read is `invalid`, and the image is still made (as sRGB). */
export async function readColourSource(bytes: Uint8Array): Promise<ColourSource> {
  try {
    if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8) return fromJpeg(bytes)
    if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return await fromPng(bytes)
    return { kind: 'srgb' }
  } catch (e) {
    return { kind: 'invalid', reason: `unreadable colour metadata: ${e instanceof Error ? e.message : String(e)}` }
  }
}

// ---- JPEG

/** The APP2 ICC segments of a JPEG, reassembled; null when there are none. Throws on inconsistent segments. */
export function jpegIccProfile(b: Uint8Array): { profile: Uint8Array | null; components: number } {
  const parts = new Map<number, Uint8Array>()
  let count = 0
  let components = 0
  let pos = 2
  while (pos + 4 <= b.length) {
    // Stray bytes between segments: skipped as libjpeg does (with a warning); the decoder judges the file.
    while (pos < b.length && b[pos] !== 0xff) pos++
    while (pos < b.length && b[pos] === 0xff) pos++
    const marker = b[pos++]!
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue
    if (marker === 0xd9 || marker === 0xda || pos + 2 > b.length) break
    const length = (b[pos]! << 8) | b[pos + 1]!
    const start = pos + 2
    const end = Math.min(pos + length, b.length)
    if (length < 2) break
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && start + 6 <= end) {
      components = b[start + 5]!
    }
    if (marker === 0xe2 && end - start >= 14 && ascii(b, start, 12) === ICC_MARKER) {
      const seq = b[start + 12]!
      const n = b[start + 13]!
      if (seq === 0 || n === 0 || seq > n || (count && n !== count)) throw new Error(`ICC_PROFILE segment ${seq} of ${n} is inconsistent`)
      if (parts.has(seq)) throw new Error(`ICC_PROFILE segment ${seq} appears twice`)
      count = n
      parts.set(seq, b.subarray(start + 14, end))
    }
    pos += length
  }
  if (!count) return { profile: null, components }
  if (parts.size !== count) throw new Error(`ICC_PROFILE has ${parts.size} of ${count} segments`)
  let size = 0
  for (const p of parts.values()) size += p.length
  if (size > MAX_PROFILE_BYTES) throw new Error(`ICC profile of ${size} bytes is too large`)
  const profile = new Uint8Array(size)
  for (let seq = 1, at = 0; seq <= count; seq++) {
    const p = parts.get(seq)!
    profile.set(p, at)
    at += p.length
  }
  return { profile, components }
}

function fromJpeg(b: Uint8Array): ColourSource {
  let found: ReturnType<typeof jpegIccProfile>
  try {
    found = jpegIccProfile(b)
  } catch (e) {
    return { kind: 'invalid', reason: (e as Error).message }
  }
  if (!found.profile) return { kind: 'srgb' }
  const pixels: ProfileSpace = found.components === 4 ? 'CMYK' : found.components === 1 ? 'GRAY' : 'RGB'
  return fromIcc(found.profile, pixels)
}

// ---- PNG

interface PngChunks {
  colorType: number
  iccp?: Uint8Array
  srgb: boolean
  gama?: number
  chrm?: number[]
}

function pngChunks(b: Uint8Array): PngChunks {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const out: PngChunks = { colorType: b.length > 25 ? b[25]! : 2, srgb: false }
  let pos = 8
  while (pos + 12 <= b.length) {
    const length = view.getUint32(pos)
    const type = ascii(b, pos + 4, 4)
    if (type === 'IDAT' || type === 'IEND' || pos + 12 + length > b.length) break
    const data = b.subarray(pos + 8, pos + 8 + length)
    const known = type === 'iCCP' || type === 'sRGB' || type === 'gAMA' || type === 'cHRM'
    if (known && crc32(0, b, pos + 4, pos + 8 + length) !== view.getUint32(pos + 8 + length)) {
      // A CRC error in an ancillary chunk: dropped, as libpng does.
    } else if (type === 'iCCP' && !out.iccp) out.iccp = data
    else if (type === 'sRGB') out.srgb = true
    else if (type === 'gAMA' && length === 4) out.gama = view.getUint32(pos + 8)
    else if (type === 'cHRM' && length === 32) out.chrm = Array.from({ length: 8 }, (_, i) => view.getUint32(pos + 8 + i * 4) / 100000)
    pos += 12 + length
  }
  return out
}

async function fromPng(b: Uint8Array): Promise<ColourSource> {
  const c = pngChunks(b)
  const grey = c.colorType === 0 || c.colorType === 4
  if (c.iccp) {
    const nul = c.iccp.indexOf(0)
    if (nul < 1 || nul > 79 || c.iccp[nul + 1] !== 0) return { kind: 'invalid', reason: 'iCCP chunk has a bad name or compression method' }
    let profile: Uint8Array
    try {
      profile = await inflate(c.iccp.subarray(nul + 2), MAX_PROFILE_BYTES)
    } catch (e) {
      return { kind: 'invalid', reason: `iCCP profile does not inflate: ${(e as Error).message}` }
    }
    return fromIcc(profile, grey ? 'GRAY' : 'RGB')
  }
  if (c.srgb || (c.gama === undefined && !c.chrm)) return { kind: 'srgb' }
  // libpng's idea of "sRGB-like": gAMA within about 1% of 1/2.2 (45455) and sRGB primaries.
  const gamma = c.gama ? 100000 / c.gama : 2.2
  const chrm = c.chrm
  const xy = (i: number): XY => [chrm![i]!, chrm![i + 1]!]
  const prim = chrm ? { white: xy(0), red: xy(2), green: xy(4), blue: xy(6) } : SRGB
  const srgbPrimaries = !chrm || (['white', 'red', 'green', 'blue'] as const).every((k) => near(prim[k], SRGB[k], 0.01))
  if (srgbPrimaries && Math.abs(gamma - 2.2) < 0.025) return { kind: 'srgb' }
  if (!(gamma > 0.2 && gamma < 5)) return { kind: 'invalid', reason: `implausible gAMA ${c.gama}` }
  if (!grey && ![prim.white, prim.red, prim.green, prim.blue].every(([x, y]) => x > 0 && y > 0 && x + y <= 1.01)) {
    return { kind: 'invalid', reason: 'implausible cHRM' }
  }
  return { kind: 'primaries', ...prim, gamma, grey }
}

// ---- ICC header

/** Checks an ICC profile's header against the pixels it should describe, and recognises sRGB. */
export function fromIcc(profile: Uint8Array, pixels: ProfileSpace): ColourSource {
  const info = iccInfo(profile)
  if (typeof info === 'string') return { kind: 'invalid', reason: info }
  // A grey JPEG/PNG may legally carry... nothing else: RGB pixels with a grey profile (or the reverse) cannot be converted.
  const fits = info.space === pixels || (pixels === 'GRAY' && info.space === 'RGB')
  if (!fits) return { kind: 'invalid', reason: `${info.space} profile on ${pixels} pixels` }
  if (info.space === 'RGB' && info.srgb) return { kind: 'srgb' }
  return { kind: 'icc', profile, space: info.space, description: info.description }
}

export function iccInfo(p: Uint8Array): { space: ProfileSpace; description: string; srgb: boolean } | string {
  if (p.length < 132) return 'ICC profile is truncated'
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength)
  if (ascii(p, 36, 4) !== 'acsp') return 'ICC profile has no acsp signature'
  if (view.getUint32(0) > p.length) return `ICC profile is truncated (${p.length} of ${view.getUint32(0)} bytes)`
  const sig = ascii(p, 16, 4)
  const space: ProfileSpace | undefined = sig === 'RGB ' ? 'RGB' : sig === 'GRAY' ? 'GRAY' : sig === 'CMYK' ? 'CMYK' : undefined
  if (!space) return `unsupported ICC colour space "${sig.trim()}"`
  const tags = new Map<string, [number, number]>()
  const n = view.getUint32(128)
  if (132 + n * 12 > p.length) return 'ICC profile tag table is truncated'
  for (let i = 0; i < n; i++) {
    const at = 132 + i * 12
    const offset = view.getUint32(at + 4)
    const size = view.getUint32(at + 8)
    if (offset + size > p.length) return `ICC tag ${ascii(p, at, 4)} lies outside the profile`
    tags.set(ascii(p, at, 4), [offset, size])
  }
  const description = describe(p, tags.get('desc'))
  let srgb = false
  if (space === 'RGB' && /sRGB/i.test(description)) {
    srgb = ['rXYZ', 'gXYZ', 'bXYZ'].every((t, i) => {
      const tag = tags.get(t)
      if (!tag || tag[1] < 20) return false
      return SRGB_COLOURANTS[i]!.every((v, j) => Math.abs(view.getInt32(tag[0] + 8 + j * 4) / 65536 - v) < 0.003)
    })
  }
  return { space, description, srgb }
}

/** The profile's description: v2 `desc` (ASCII) or v4 `mluc` (first record, UTF-16BE). */
function describe(p: Uint8Array, tag: [number, number] | undefined): string {
  if (!tag || tag[1] < 12) return ''
  const [at, size] = tag
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength)
  const type = ascii(p, at, 4)
  if (type === 'desc') {
    const len = Math.min(view.getUint32(at + 8), size - 12)
    return ascii(p, at + 12, Math.max(0, len)).replace(/\0.*$/s, '')
  }
  if (type === 'mluc' && size >= 28) {
    const len = view.getUint32(at + 20)
    const offset = view.getUint32(at + 24)
    if (offset + len > size) return ''
    let s = ''
    for (let i = 0; i + 1 < len; i += 2) s += String.fromCharCode(view.getUint16(at + offset + i))
    return s
  }
  return ''
}

// ---- helpers

function near(a: XY, b: XY, tolerance: number): boolean {
  return Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = ''
  for (let i = at; i < at + n && i < b.length; i++) s += String.fromCharCode(b[i]!)
  return s
}

/** zlib-inflates with the platform's DecompressionStream, refusing more than `max` bytes. */
async function inflate(data: Uint8Array, max: number): Promise<Uint8Array> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data)
      controller.close()
    },
  })
  const stream = input.pipeThrough(new DecompressionStream('deflate'))
  const reader = stream.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel()
      throw new Error(`more than ${max} bytes`)
    }
    parts.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
