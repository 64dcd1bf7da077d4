/**
 * Turns one original into its variants. Decodes once, at the smallest scale
 * that still covers the largest variant, then makes each smaller variant from
 * the previous one (cascade), so no step ever holds the full-size image.
 * Yields each encoded variant as soon as it exists, so the caller can store
 * it and let its pixels be collected before the next one is made.
 */
import { displayedSize, sniffImage, type ImageFormat } from '../upload/sniff'
import { fitWithin, type Size } from '../variant/presets'
import { initCodecs, jpegEncode, pngEncodeRaw, resizeRaw } from './codecs'
import { ImageDecodeError } from './errors'
import { JpegDecoder } from './jpeg/decoder'
import jpegDecWasm from './jpeg/jpeg_dec.wasm?module'
import { orient, type Pixels } from './orient'
import { decodePng } from './png/decoder'

export interface VariantBox extends Size {
  name: string
}

export interface RenderedVariant {
  name: string
  width: number
  height: number
  format: ImageFormat
  bytes: Uint8Array
}

export interface RenderOptions {
  /** Refuse images above this many pixels before decoding (the upload cap). */
  maxPixels: number
}

/** JPEG quality of variants: visually transparent at these sizes, about half the bytes of q92. */
const JPEG_QUALITY = 82

let jpegDecoder: Promise<JpegDecoder> | undefined
const getJpegDecoder = () => (jpegDecoder ??= JpegDecoder.create(jpegDecWasm))

interface Decoded extends Pixels {
  hasAlpha: boolean
}

async function decode(bytes: Uint8Array, format: ImageFormat, min: Size, maxPixels: number): Promise<Decoded> {
  if (format === 'jpeg') {
    const out = (await getJpegDecoder()).decode(bytes, min.width, min.height)
    return { width: out.width, height: out.height, data: out.data, hasAlpha: false }
  }
  const out = await decodePng(bytes, min.width, min.height, maxPixels)
  return { width: out.width, height: out.height, data: out.data, hasAlpha: out.hasAlpha }
}

function resize(src: Decoded, to: Size): Decoded {
  if (src.width === to.width && src.height === to.height) return src
  // lanczos3 in gamma space without premultiplying opaque images: a third of
  // the time and memory of jsquash's defaults, and what browsers and sharp do.
  const data = resizeRaw(
    new Uint8Array(src.data.buffer, src.data.byteOffset, src.data.byteLength),
    src.width,
    src.height,
    to.width,
    to.height,
    3, // lanczos3
    src.hasAlpha,
    false,
  )
  return { width: to.width, height: to.height, data, hasAlpha: src.hasAlpha }
}

async function encode(pixels: Pixels, format: ImageFormat): Promise<Uint8Array> {
  if (format === 'png') return pngEncodeRaw(new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), pixels.width, pixels.height, 8)
  const buf = await jpegEncode(pixels as unknown as Parameters<typeof jpegEncode>[0], { quality: JPEG_QUALITY, progressive: false, optimize_coding: true })
  return new Uint8Array(buf)
}

export async function* renderVariants(original: Uint8Array, boxes: readonly VariantBox[], options: RenderOptions): AsyncGenerator<RenderedVariant> {
  const sniffed = sniffImage(original)
  if (!sniffed.ok) throw new ImageDecodeError(sniffed.detail)
  const header = sniffed.header
  if (header.width * header.height > options.maxPixels) throw new ImageDecodeError(`The image has more than ${options.maxPixels} pixels.`)
  await initCodecs()

  const displayed = displayedSize(header)
  const swap = header.orientation >= 5
  const stored = (s: Size): Size => (swap ? { width: s.height, height: s.width } : s)
  const targets = boxes
    .map((box) => ({ name: box.name, size: fitWithin(displayed, box) }))
    .sort((a, b) => b.size.width * b.size.height - a.size.width * a.size.height)
  if (targets.length === 0) return

  let current = await decode(original, header.format, stored(targets[0]!.size), options.maxPixels)
  for (const target of targets) {
    current = resize(current, stored(target.size))
    const upright = orient(current, header.orientation)
    yield { name: target.name, width: upright.width, height: upright.height, format: header.format, bytes: await encode(upright, header.format) }
  }
}
