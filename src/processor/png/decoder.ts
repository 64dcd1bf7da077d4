/**
 * Streaming PNG decoder for Workers: never holds the full-size image. IDAT data is inflated by
 * zlib in the codec's WASM memory (inflate.ts), unfiltered scanline by scanline (only the
 * previous row is kept), converted to RGBA8 and box-reduced by an integer factor on the fly
 * (see rows.ts), all in buffers of the codec's memory.
 */
import { ImageDecodeError } from '../errors'
import { ByteReader } from './bytes'
import { crc32 } from '../../lib/crc32'
import { inflateIdat, type CompressedSource, type ZlibInflater } from './inflate'
import { reductionFactor, rowBytesFor } from '../../formats/geometry'
import { exifOrientation } from '../../formats/exif'
import { MAX_PIXELS } from '../../formats/limits'
import { PNG_SIGNATURE } from '../../formats/png'
import { RowSink, type Reserve, type Transparency } from './rows'

export interface PngInfo {
  width: number
  height: number
  bitDepth: number
  colorType: number
  interlaced: boolean
}

export interface DecodedPng {
  /** Reduced size. */
  width: number
  height: number
  /** RGBA8, straight (non-premultiplied) alpha. */
  data: Uint8ClampedArray
  /** True if the colour type has alpha or a tRNS chunk is present. */
  hasAlpha: boolean
  sourceWidth: number
  sourceHeight: number
  /** The integer box factor used. */
  factor: number
  /** EXIF orientation from an eXIf chunk, 1 if none. */
  orientation: number
  /**
   * True when damage libpng only warns about was forgiven (a bad ancillary CRC, a misplaced or
   * unusable PLTE/tRNS, IDAT data after the image or a late IDAT): the file is not as written.
   */
  tolerated: boolean
}

/** A scanline this long means a pathological width; refuse rather than try to allocate rows. */
const MAX_ROW_BYTES = 64 * 1024 * 1024
const MAX_EXIF = 1024 * 1024
/** Legal bit depths per colour type. */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] }

/**
 * What the decoder needs from the codec (jpeg/decoder.ts's Codec): its zlib inflater and one
 * block of its memory for every row, sum and output buffer (see rows.ts).
 */
export interface PngCodec {
  inflater: ZlibInflater
  reserve: Reserve
}

/**
 * Decode, box-reducing by the largest integer factor k such that ceil(w/k) >= minWidth and
 * ceil(h/k) >= minHeight (k >= 1). Throws ImageDecodeError for anything invalid, including
 * width*height > maxPixels (checked from IHDR before any allocation).
 */
export async function decodePng(
  source: Uint8Array | ReadableStream<Uint8Array>,
  minWidth: number,
  minHeight: number,
  codec: PngCodec,
  maxPixels = MAX_PIXELS,
): Promise<DecodedPng> {
  const input = new ByteReader(source)
  try {
    const result = await decode(input, minWidth, minHeight, maxPixels, codec)
    input.close()
    return result
  } catch (e) {
    input.close(e)
    if (e instanceof ImageDecodeError) throw e
    // e.g. a RangeError from an allocation the runtime refused
    throw new ImageDecodeError(`PNG decoding failed: ${e instanceof Error ? e.message : String(e)}`)
  }
}


/** Reads the header of a PNG from its first 33 bytes (signature and IHDR, CRC checked). */
export function readPngInfo(bytes: Uint8Array): PngInfo {
  checkSignature(bytes)
  if (bytes.length < 33) throw new ImageDecodeError('Truncated PNG: no complete IHDR')
  if (u32(bytes, 8) !== 13 || typeName(bytes, 12) !== 'IHDR') throw new ImageDecodeError('First chunk must be IHDR')
  if (crc32(0, bytes, 12, 29) !== u32(bytes, 29)) throw new ImageDecodeError('CRC mismatch in IHDR chunk')
  return parseIhdr(bytes.subarray(16, 29))
}

interface ChunkHeader {
  length: number
  type: string
  /** Running CRC, already covering the type bytes. */
  crc: number
}

async function decode(input: ByteReader, minWidth: number, minHeight: number, maxPixels: number, codec: PngCodec): Promise<DecodedPng> {
  const sig = await input.readExact(8).catch((e: unknown) => {
    throw input.exhausted ? new ImageDecodeError('Not a PNG file: too short') : e
  })
  checkSignature(sig)

  let info: PngInfo | null = null
  let factor = 1
  const tr: Transparency = { palette: null, paletteSize: 0, keyR: -1, keyG: -1, keyB: -1, hasAlpha: false }
  let sink: RowSink | null = null
  let orientation = 1
  let pending: ChunkHeader | null = null
  let tolerated = false

  for (;;) {
    const h: ChunkHeader = pending ?? (await readHeader(input))
    pending = null
    if (!info) {
      if (h.type !== 'IHDR') throw new ImageDecodeError(`First chunk must be IHDR, found ${h.type}`)
      if (h.length !== 13) throw new ImageDecodeError(`Invalid IHDR length ${h.length}`)
      info = parseIhdr(await readCritical(input, h))
      const { width, height, colorType, bitDepth } = info
      if (width * height > maxPixels) {
        throw new ImageDecodeError(`Image too large: ${width}x${height} exceeds the limit of ${maxPixels} pixels`)
      }
      if (rowBytesFor(width, colorType, bitDepth) > MAX_ROW_BYTES) throw new ImageDecodeError(`Image too wide: ${width}`)
      factor = reductionFactor(width, height, minWidth, minHeight)
      tr.hasAlpha = colorType === 4 || colorType === 6
      continue
    }
    const ct = info.colorType
    switch (h.type) {
      case 'IHDR':
        throw new ImageDecodeError('Duplicate IHDR chunk')
      case 'PLTE': {
        if (tr.palette) throw new ImageDecodeError('Duplicate PLTE chunk')
        const valid = h.length % 3 === 0 && h.length > 0 && h.length <= 768
        // libpng only warns about a PLTE after the image data (a palette image without one failed at
        // IDAT) or a malformed one it does not need: a palette is only a suggestion for truecolour
        // images and not allowed for grey. Either way it is ignored.
        if (sink || (ct !== 3 && !valid)) {
          await skipBody(input, h)
          tolerated = true
          break
        }
        if (!valid) throw new ImageDecodeError(`Invalid PLTE length ${h.length}`)
        const d = await readCritical(input, h)
        if (ct !== 3) break
        // Entries past the PLTE stay opaque black: libpng decodes an index beyond the palette so,
        // with only a warning ("palette index exceeding num_palette"), and so does libspng (sharp).
        const pal = new Uint8Array(1024)
        for (let i = 0; i < 256; i++) pal[i * 4 + 3] = 255
        for (let i = 0; i < h.length / 3; i++) pal.set(d.subarray(i * 3, i * 3 + 3), i * 4)
        tr.palette = pal
        tr.paletteSize = h.length / 3
        break
      }
      case 'tRNS': {
        const d = h.length > 256 || sink ? await skipBody(input, h) : await readAncillary(input, h)
        if (!d) {
          tolerated = true
          break
        }
        // Like libpng, ignore a tRNS that does not fit the colour type rather than fail.
        if (tr.hasAlpha) break
        if (ct === 0 && d.length === 2) tr.keyR = u16(d, 0)
        else if (ct === 2 && d.length === 6) [tr.keyR, tr.keyG, tr.keyB] = [u16(d, 0), u16(d, 2), u16(d, 4)]
        else if (ct === 3 && tr.palette) {
          const n = Math.min(d.length, tr.paletteSize)
          for (let i = 0; i < n; i++) tr.palette[i * 4 + 3] = d[i]!
        } else {
          tolerated = true
          break
        }
        tr.hasAlpha = true
        break
      }
      case 'IDAT': {
        if (sink) {
          // An IDAT after other chunks that followed the image data: libpng skips it with a
          // warning ("Too many IDATs found"). Its CRC still counts, IDAT being critical.
          await skipBody(input, h)
          tolerated = true
          break
        }
        if (ct === 3 && !tr.palette) throw new ImageDecodeError('Missing PLTE chunk for a palette image')
        const rows: RowSink = new RowSink(info, tr, factor, codec.reserve)
        sink = rows
        const idat = new IdatReader(input, h)
        if (!(await inflateIdat(idat, codec.inflater, rows))) tolerated = true
        rows.finish()
        pending = idat.after
        break
      }
      case 'IEND':
        await skipBody(input, h)
        if (!sink) throw new ImageDecodeError('No IDAT chunk before IEND')
        return {
          width: sink.outWidth,
          height: sink.outHeight,
          data: sink.data,
          hasAlpha: tr.hasAlpha,
          sourceWidth: info.width,
          sourceHeight: info.height,
          factor,
          orientation,
          tolerated,
        }
      case 'eXIf': {
        if (h.length > MAX_EXIF) {
          if ((await skipBody(input, h)) === false) tolerated = true
          break
        }
        const d = await readAncillary(input, h)
        if (d) orientation = exifOrientation(d)
        else tolerated = true
        break
      }
      default:
        // A decoder must not skip a critical chunk it cannot read.
        if (isCritical(h.type)) throw new ImageDecodeError(`Unknown critical chunk ${h.type}`)
        if ((await skipBody(input, h)) === false) tolerated = true
    }
  }
}

/** Hands out the payload of consecutive IDAT chunks, checking each chunk's CRC. */
class IdatReader implements CompressedSource {
  /** The first chunk header after the IDAT run, once reached. */
  after: ChunkHeader | null = null
  private remaining: number
  private crc: number
  private inChunk = true

  constructor(
    private readonly input: ByteReader,
    first: ChunkHeader,
  ) {
    this.remaining = first.length
    this.crc = first.crc
  }

  /**
   * Copies payload into `into` across chunk boundaries, awaiting only when the source has no
   * bytes in hand (never for an in-memory file): 99,000 tiny IDAT chunks cost no promise each.
   */
  async fill(into: Uint8Array): Promise<number> {
    let n = 0
    while (n < into.length && !this.after) {
      if (this.remaining > 0) {
        let s = this.input.takeBuffered(Math.min(this.remaining, into.length - n))
        if (!s.length) {
          if (n) break // inflate what is in hand first
          s = await this.input.readSome(Math.min(this.remaining, into.length))
        }
        into.set(s, n)
        this.crc = crc32(this.crc, s)
        this.remaining -= s.length
        n += s.length
        continue
      }
      if (this.inChunk) this.endChunk(this.input.takeExact(4) ?? (await this.input.readExact(4)))
      this.enter(parseHeader(this.input.takeExact(8) ?? (await this.input.readExact(8))))
    }
    return n
  }

  /** Reads the rest of the IDAT run, checking CRCs (IDAT is critical), without inflating it. */
  async skipRest(): Promise<number> {
    let skipped = 0
    while (!this.after) {
      if (this.remaining > 0) {
        const s = this.input.takeBuffered(this.remaining)
        const bytes = s.length ? s : await this.input.readSome(this.remaining)
        this.crc = crc32(this.crc, bytes)
        this.remaining -= bytes.length
        skipped += bytes.length
        continue
      }
      if (this.inChunk) this.endChunk(this.input.takeExact(4) ?? (await this.input.readExact(4)))
      this.enter(parseHeader(this.input.takeExact(8) ?? (await this.input.readExact(8))))
    }
    return skipped
  }

  private endChunk(storedCrc: Uint8Array): void {
    if (u32(storedCrc, 0) !== this.crc) throw crcError('IDAT')
    this.inChunk = false
  }

  /** The next chunk: another IDAT continues the run, anything else ends it. */
  private enter(h: ChunkHeader): void {
    if (h.type !== 'IDAT') {
      this.after = h
      return
    }
    this.remaining = h.length
    this.crc = h.crc
    this.inChunk = true
  }
}

function checkSignature(b: Uint8Array): void {
  for (let i = 0; i < 8; i++) {
    if (b[i] !== PNG_SIGNATURE[i]) throw new ImageDecodeError('Not a PNG file: bad signature')
  }
}

function parseIhdr(d: Uint8Array): PngInfo {
  const width = u32(d, 0)
  const height = u32(d, 4)
  const bitDepth = d[8]!
  const colorType = d[9]!
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new ImageDecodeError(`Invalid image size ${width}x${height}`)
  }
  const depths = DEPTHS[colorType]
  if (!depths) throw new ImageDecodeError(`Invalid colour type ${colorType}`)
  if (!depths.includes(bitDepth)) throw new ImageDecodeError(`Invalid bit depth ${bitDepth} for colour type ${colorType}`)
  if (d[10] !== 0) throw new ImageDecodeError(`Unknown compression method ${d[10]}`)
  if (d[11] !== 0) throw new ImageDecodeError(`Unknown filter method ${d[11]}`)
  if (d[12]! > 1) throw new ImageDecodeError(`Unknown interlace method ${d[12]}`)
  return { width, height, bitDepth, colorType, interlaced: d[12] === 1 }
}

async function readHeader(input: ByteReader): Promise<ChunkHeader> {
  return parseHeader(await input.readExact(8))
}

function parseHeader(b: Uint8Array): ChunkHeader {
  const length = u32(b, 0)
  if (length > 0x7fffffff) throw new ImageDecodeError(`Invalid chunk length ${length}`)
  return { length, type: typeName(b, 4), crc: crc32(0, b, 4, 8) }
}

function typeName(b: Uint8Array, at: number): string {
  let s = ''
  for (let i = at; i < at + 4; i++) {
    const c = b[i]!
    // Chunk types are four ASCII letters.
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) throw new ImageDecodeError('Invalid chunk type')
    s += String.fromCharCode(c)
  }
  return s
}

/** A chunk whose data is needed: its CRC must match (libpng's default for critical chunks). */
async function readCritical(input: ByteReader, h: ChunkHeader): Promise<Uint8Array> {
  const d = await input.readExact(h.length)
  if (!(await crcMatches(input, crc32(h.crc, d)))) throw crcError(h.type)
  return d
}

/**
 * An ancillary chunk's data, or null when its CRC does not match: libpng then warns and drops the
 * chunk ("CRC error"), and so do we. Only for ancillary chunks.
 */
async function readAncillary(input: ByteReader, h: ChunkHeader): Promise<Uint8Array | null> {
  const d = await input.readExact(h.length)
  return (await crcMatches(input, crc32(h.crc, d))) ? d : null
}

/** Skips a chunk, checking its CRC (a critical chunk's must match, see readAncillary). Null, or false when an ancillary CRC did not match. */
async function skipBody(input: ByteReader, h: ChunkHeader): Promise<null | false> {
  let crc = h.crc
  for (let left = h.length; left > 0; ) {
    const s = await input.readSome(Math.min(left, 64 * 1024))
    crc = crc32(crc, s)
    left -= s.length
  }
  if (await crcMatches(input, crc)) return null
  if (isCritical(h.type)) throw crcError(h.type)
  return false
}

async function checkCrc(input: ByteReader, type: string, crc: number): Promise<void> {
  if (!(await crcMatches(input, crc))) throw crcError(type)
}

async function crcMatches(input: ByteReader, crc: number): Promise<boolean> {
  return u32(await input.readExact(4), 0) === crc
}

const crcError = (type: string) => new ImageDecodeError(`CRC mismatch in ${type} chunk`)

/** Bit 5 of the first type byte clear = critical (IHDR, PLTE, IDAT, IEND, unknown ones). */
const isCritical = (type: string) => !(type.charCodeAt(0) & 32)


function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
}
