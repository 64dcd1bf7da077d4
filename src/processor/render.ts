/**
 * Turns one original into its variants within a Worker's 128 MB.
 *
 * JPEG: libjpeg-turbo decodes at the smallest DCT scale (M/8) covering the
 * largest variant and streams its rows into a Lanczos-3 resampler in the same
 * WASM memory, so neither the full-size nor the scaled image ever exists
 * whole; only the large variant does. PNG: the streaming decoder box-reduces
 * by an integer factor while inflating, then the same resampler finishes.
 * Each smaller variant is made from the previous one (cascade), EXIF
 * orientation is applied to the small result, and each encoded variant is
 * yielded as soon as it exists so the caller can store it.
 *
 * Colour: variants are sRGB. An embedded profile (or PNG cHRM/gAMA) is read
 * before decoding and lcms2 converts the reduced rows in place, between the
 * decoder and the resampler, so the cost is per reduced pixel (docs/colour.md).
 */
import { displayedSize } from '../formats/header'
import type { FormatName } from '../formats/registry'
import { sniffImage } from '../formats/sniff'
import { fitWithin, type Size } from '../formats/presets'
import { log } from '../lib/log'
import { ImageDecodeError } from './errors'
import { Codec, type WasmImage } from './codec/codec'
import codecWasm from './codec/codec.wasm?module'
import { orient } from './orient'
import { readColourSource } from './colour/profile'
import { DEFAULT_LIMITS, planDecode, WASM_CEILING } from '../formats/plan'
import { decodePng } from './png/decoder'
import { encodePng } from './png/encoder'

export interface VariantBox extends Size {
  name: string
}

export interface RenderedVariant {
  name: string
  width: number
  height: number
  format: FormatName
  bytes: Uint8Array
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
  const sniffed = sniffImage(original)
  if (!sniffed.ok) throw new ImageDecodeError(sniffed.detail)
  const header = sniffed.header
  if (header.width * header.height > options.maxPixels) throw new ImageDecodeError(`The image has more than ${options.maxPixels} pixels.`)
  const plan = planDecode(header, { ...DEFAULT_LIMITS, maxPixels: options.maxPixels })
  if (!plan.ok) throw new ImageDecodeError(plan.reason)

  const displayed = displayedSize(header)
  const swap = header.orientation >= 5
  const stored = (s: Size): Size => (swap ? { width: s.height, height: s.width } : s)
  const targets = boxes
    .map((box) => ({ name: box.name, size: stored(fitWithin(displayed, box)) }))
    .sort((a, b) => b.size.width * b.size.height - a.size.width * a.size.height)
  if (targets.length === 0) return

  let t = performance.now()
  const step = (name: string) => {
    if (!options.onStep) return
    options.onStep(name, performance.now() - t)
    t = performance.now() // the callback's own time is no step's
  }

  const colour = { source: await readColourSource(original), onFallback: options.onColourFallback ?? logColourFallback }
  step('colour-profile')

  const wasm = await getCodec()
  const first = targets[0]!
  let hasAlpha = false
  let current: WasmImage | undefined
  wasm.begin()
  try {
    if (header.format === 'jpeg') {
      current = await inTurn(() => wasm.decodeResized(original, first.size, first.size, colour))
      step(`decode+resize:${first.name}`)
    } else {
      current = await inTurn(async () => {
        // The decoder's buffers live in the codec's memory, freed as soon as the first variant exists.
        try {
          const png = await decodePng(original, first.size.width, first.size.height, { inflater: wasm.inflater, reserve: (bytes) => wasm.reserve(bytes) }, options.maxPixels)
          hasAlpha = png.hasAlpha
          step('decode')
          return wasm.resizePixels(png, first.size, hasAlpha, colour)
        } finally {
          wasm.releaseReserved()
        }
      })
      step(`resize:${first.name}`)
    }
    for (const [i, target] of targets.entries()) {
      if (i > 0) {
        const from: WasmImage = current
        current = await inTurn(() => wasm.resize(from, target.size, hasAlpha))
        wasm.release(from)
        step(`resize:${target.name}`)
      }
      const image: WasmImage = current
      // The whole encode takes the turn: a PNG variant is encoded straight from the codec's memory, which no other job can grow meanwhile.
      const bytes = await inTurn(() => encode(wasm, image, header.format, header.orientation))
      const shown = header.orientation >= 5 ? { width: current.height, height: current.width } : current
      step(`encode:${target.name}`)
      yield { name: target.name, width: shown.width, height: shown.height, format: header.format, bytes }
      t = performance.now()
    }
  } finally {
    if (current) wasm.release(current)
    wasm.end()
  }
}

async function encode(wasm: Codec, image: WasmImage, format: FormatName, orientation: number): Promise<Uint8Array> {
  if (orientation === 1 && format === 'jpeg') return wasm.encode(image, JPEG_QUALITY)
  // orient() copies into JS (except for orientation 1), so the pixels below are upright.
  const pixels = orient({ width: image.width, height: image.height, data: wasm.pixels(image) }, orientation)
  if (format === 'jpeg') return wasm.encodePixels(pixels, JPEG_QUALITY)
  // Filtered and deflated in the codec, reading the variant where it is (the caller holds the codec's turn).
  return encodePng(pixels, wasm)
}
