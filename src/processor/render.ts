/**
 * Turns one original into its variants within a Worker's 128 MB.
 *
 * JPEG: libjpeg-turbo decodes at the smallest DCT scale (M/8) covering the
 * largest variant and streams its rows into one Lanczos-3 resampler per
 * variant in the same WASM memory, so neither the full-size nor the scaled
 * image ever exists whole; only the variants do. PNG: the streaming decoder
 * box-reduces by an integer factor while inflating, then the same resamplers
 * finish. No variant is made from another (a cascade drifts from a direct
 * resize), EXIF orientation is applied to the small result, and each encoded
 * variant is yielded as soon as it exists so the caller can store it.
 *
 * Colour: variants are sRGB. An embedded profile (or PNG cHRM/gAMA) is read
 * before decoding and lcms2 converts the reduced rows in place, between the
 * decoder and the resampler, so the cost is per reduced pixel (docs/colour.md).
 *
 * The steps, in order: sniff, plan, colour profile, decode and reduce (with the
 * colour conversion) and resize to every variant, then per variant: orient, encode. No JPEG variant is encoded above its source's quality, and a variant at the original's
 * size and format is the original's coded data without its metadata (formats/strip.ts) when the
 * file is sound, upright and sRGB.
 */
import { displayedSize, type ImageHeader } from '../formats/header'
import { FORMATS, type FormatName } from '../formats/registry'
import { estimateQuality, luminanceTable } from '../formats/jpeg-quality'
import { sniffImage } from '../formats/sniff'
import { stripJpeg, stripPng } from '../formats/strip'
import { fitWithin, type Size } from '../formats/presets'
import { log } from '../lib/log'
import { ImageDecodeError } from './errors'
import { Codec, type ColourOptions, type WasmImage } from './codec/codec'
import codecWasm from './codec/codec.wasm?module'
import { orient } from './orient'
import { readColourSource } from './colour/profile'
import { DEFAULT_LIMITS, planDecode, WASM_CEILING } from '../formats/plan'
import { decodePng } from './png/decoder'
import { encodePng, type RgbaPixels } from './png/encoder'

export interface VariantBox extends Size {
  name: string
  /** Output formats ('source': the original's); default: the original's format only. */
  formats?: readonly (FormatName | 'source')[]
}

export interface RenderedFile {
  format: FormatName
  bytes: Uint8Array
}

export interface RenderedVariant {
  name: string
  width: number
  height: number
  /** The fallback file, in the original's format (also `files[0]`). */
  format: FormatName
  bytes: Uint8Array
  /** Every format of the variant, the fallback first. */
  files: [RenderedFile, ...RenderedFile[]]
}

export interface RenderOptions {
  /** Refuse images above this many pixels before decoding (the upload cap). */
  maxPixels: number
  /** Called after each step with its name and duration (the benchmark samples memory here). */
  onStep?: (step: string, ms: number) => void
  /** Called when an embedded colour profile is unusable and the pixels are treated as sRGB (default: a JSON log line). */
  onColourFallback?: (reason: string) => void
}

const logColourFallback = (reason: string) => log.warn('colour.fallback', { reason })

/** JPEG quality of variants: visually transparent at these sizes, about half the bytes of q92. */
const JPEG_QUALITY = 82
/** WebP: sharp's q80 effort 4, byte for byte, at or below its bytes for its butteraugli (docs/formats.md). */
const WEBP = { quality: 80, method: 4 }
/**
 * AVIF: libaom speed 7 (sharp's effort 2) and q60 at every size, sharp's settings: with libaom 3.14's
 * tune iq (as sharp's libheif uses) the bytes and butteraugli match sharp's on the same pixels for the
 * large, medium and thumb (npm run bench; docs/formats.md, "libaom 3.14 and tune iq"), in under 2x
 * its time; speeds 8 and 9 lost 13-15% butteraugli with libaom 3.6 (docs/formats.md). libaom 3.6 with
 * tune ssim took q57 below 1 MP to match sharp there; its tune-iq quality table makes that unneeded.
 */
const AVIF = { quality: 60, speed: 7 }

let codec: Promise<Codec> | undefined
// One instance per isolate, its memory reused by every job and capped at the plan's ceiling (docs/memory-plan.md).
const getCodec = () => (codec ??= Codec.create(codecWasm, { maxMemoryBytes: WASM_CEILING }))

/**
 * Calls into the codec take turns: a PNG decode holds views of the codec's memory across awaits,
 * which another job's call (growing that memory) would detach. Jobs still interleave between
 * their steps (e.g. while one stores a variant).
 */
let turn: Promise<void> = Promise.resolve()
async function inTurn<T>(work: () => T | Promise<T>): Promise<T> {
  const before = turn
  let done!: () => void
  turn = new Promise((resolve) => (done = resolve))
  await before
  try {
    return await work()
  } finally {
    done()
  }
}

export async function* renderVariants(original: Uint8Array, boxes: readonly VariantBox[], options: RenderOptions): AsyncGenerator<RenderedVariant> {
  const header = sniff(original)
  checkPlan(header, options.maxPixels)
  const targets = targetSizes(header, boxes)
  if (targets.length === 0) return

  let t = performance.now()
  const step = (name: string) => {
    if (!options.onStep) return
    options.onStep(name, performance.now() - t)
    t = performance.now() // the callback's own time is no step's
  }

  const colour = { source: await readColourSource(original), onFallback: options.onColourFallback ?? logColourFallback }
  step('colour-profile')
  const quality = jpegQuality(original, header)

  const codec = await getCodec()
  let images: WasmImage[] = []
  codec.begin()
  try {
    const decoded = await decodeAndReduce(codec, original, header, targets, colour, options.maxPixels, step)
    images = decoded.images
    // Stripped only when a variant is at the original's size: the copy (and, for a PNG of many
    // chunks, the walk's garbage) is not worth making otherwise.
    let reusable: Uint8Array | undefined | null = decoded.tolerated ? undefined : null
    step(header.format === 'jpeg' ? 'decode+resize' : 'resize')
    for (const [i, target] of targets.entries()) {
      const image = images[i]!
      const shown = header.orientation >= 5 ? { width: image.height, height: image.width } : { width: image.width, height: image.height }
      // At the original's own size the fallback is the original's coded data (no re-encode).
      const atOwnSize = image.width === header.width && image.height === header.height
      if (atOwnSize && reusable === null) reusable = reusableOriginal(original, header, colour.source)
      const same = atOwnSize ? (reusable ?? undefined) : undefined
      const files = await inTurn(() => encodeAll(codec, image, outputFormats(target.formats, header.format), header.orientation, quality, same))
      codec.release(image)
      step(`encode:${target.name}`)
      const fallback = files[0]!
      yield { name: target.name, ...shown, format: fallback.format, bytes: fallback.bytes, files: files as RenderedVariant['files'] }
      t = performance.now()
    }
  } finally {
    for (const image of images) codec.release(image)
    codec.end()
  }
}

/** Step: what the stored original is, from its bytes (the upload's sniff, again: the bytes are what count). */
function sniff(original: Uint8Array): ImageHeader {
  const sniffed = sniffImage(original)
  if (!sniffed.ok) throw new ImageDecodeError(sniffed.detail)
  return sniffed.header
}

/** Step: the memory and CPU plan from the header, before anything is decoded (docs/memory-plan.md). */
function checkPlan(header: ImageHeader, maxPixels: number): void {
  const plan = planDecode(header, { ...DEFAULT_LIMITS, maxPixels })
  if (!plan.ok) throw new ImageDecodeError(plan.reason)
}

/** Each box's size in stored orientation, largest first (the decode is planned for the first). */
function targetSizes(header: ImageHeader, boxes: readonly VariantBox[]): { name: string; size: Size; formats: VariantBox['formats'] }[] {
  const displayed = displayedSize(header)
  const stored = (s: Size): Size => (header.orientation >= 5 ? { width: s.height, height: s.width } : s)
  return boxes
    .map((box) => ({ name: box.name, size: stored(fitWithin(displayed, box)), formats: box.formats }))
    .sort((a, b) => b.size.width * b.size.height - a.size.width * a.size.height)
}

/**
 * A variant's formats, each once: the original's first (the fallback every browser shows), then the
 * others from the least to the most preferred, the order in which each must beat those before it.
 */
function outputFormats(formats: VariantBox['formats'], source: FormatName): FormatName[] {
  const named = (formats ?? ['source']).map((f) => (f === 'source' ? source : f)).filter((f) => f !== source)
  return [source, ...new Set(named.sort((a, b) => FORMATS[b].preference - FORMATS[a].preference))]
}

/**
 * The original without its metadata, when a variant at its size may be it: upright as stored
 * (stripping EXIF drops its orientation) and sRGB as it is (no profile to convert: variants are
 * sRGB, docs/colour.md). Only for a sound file (the caller checks the decoder forgave nothing):
 * a variant never carries the damage libjpeg or libpng tolerated.
 */
function reusableOriginal(original: Uint8Array, header: ImageHeader, colour: ColourOptions['source']): Uint8Array | undefined {
  if (header.orientation !== 1 || colour.kind !== 'srgb') return undefined
  if (header.layout.kind === 'jpeg') return header.layout.components.length === 4 ? undefined : stripJpeg(original)
  return stripPng(original)
}

/** JPEG_QUALITY, or the source's own quality when lower: a variant never spends bytes on the source's artefacts. */
function jpegQuality(original: Uint8Array, header: ImageHeader): number {
  if (header.format !== 'jpeg') return JPEG_QUALITY
  const table = luminanceTable(original)
  return table ? Math.min(JPEG_QUALITY, estimateQuality(table)) : JPEG_QUALITY
}

/**
 * Step: decode, reduced as far as the largest variant allows, colour converted, then resampled
 * to every variant at once (each straight from the decoded rows, none from another variant).
 * The PNG decoder's buffers live in the codec's memory, freed as soon as the variants exist.
 */
async function decodeAndReduce(codec: Codec, original: Uint8Array, header: ImageHeader, targets: readonly { size: Size }[], colour: ColourOptions, maxPixels: number, step: (name: string) => void): Promise<{ images: WasmImage[]; tolerated: boolean }> {
  const sizes = targets.map((t) => t.size)
  const largest = sizes[0]!
  if (header.format === 'jpeg') return inTurn(() => codec.decodeResized(original, largest, sizes, colour))
  return inTurn(async () => {
    try {
      const png = await decodePng(original, largest.width, largest.height, { inflater: codec.inflater, reserve: (bytes) => codec.reserve(bytes) }, maxPixels)
      step('decode')
      return { images: codec.resizePixels(png, sizes, png.hasAlpha, colour), tolerated: png.tolerated }
    } finally {
      codec.releaseReserved()
    }
  })
}

/** How each format's file is encoded; a format in the catalogue without an entry here does not compile. */
type Encoder = (codec: Codec, image: WasmImage | RgbaPixels, quality: number) => Uint8Array
const ENCODERS: Record<FormatName, Encoder> = {
  jpeg: (codec, image, quality) => ('handle' in image ? codec.encode(image, quality) : codec.encodePixels(image, quality)),
  // Filtered and deflated in the codec, reading the variant where it is (the caller holds the codec's turn).
  png: (codec, image) => encodePng('handle' in image ? { width: image.width, height: image.height, data: codec.pixels(image) } : image, codec),
  webp: (codec, image) => codec.encodeWebp(image, WEBP.quality, WEBP.method),
  avif: (codec, image) => {
    const { quality, speed } = AVIF
    return codec.encodeAvif(image, quality, speed)
  },
}

/**
 * Step: orient (once, on the small result) and encode every format. The whole step holds the
 * codec's turn: the encoders read the variant straight from the codec's memory. A modern file
 * that is not smaller than every file before it is left out: delivery would pick it over a
 * smaller one for the browsers that take it, so it would only cost bytes.
 */
function encodeAll(codec: Codec, image: WasmImage, formats: FormatName[], orientation: number, quality: number, fallback?: Uint8Array): RenderedFile[] {
  // orient() copies into JS (except for orientation 1), so the pixels below are upright.
  const upright = orientation === 1 ? image : orient({ width: image.width, height: image.height, data: codec.pixels(image) }, orientation)
  const files: RenderedFile[] = []
  for (const format of formats) {
    const bytes = files.length === 0 && fallback ? fallback : ENCODERS[format](codec, upright, quality)
    if (files.every((file) => bytes.byteLength < file.bytes.byteLength)) files.push({ format, bytes })
  }
  return files
}
