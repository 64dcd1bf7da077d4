/**
 * The decode plan of one image, from its sniffed header alone: the peak memory and the CPU its
 * decode will need, and whether that fits the isolate. The upload route refuses what does not fit
 * (422) and the processor checks the same plan before decoding. Pure: no bindings, no I/O.
 * Figures and how they were measured: docs/memory-plan.md.
 */
import { displayedSize, type ImageHeader, type JpegLayout, type PngLayout } from './header'
import { fitWithin, PRESETS, type Size } from './presets'
import { chooseScale, reductionFactor, rowBytesFor, STRIP_PIXELS } from './geometry'
import { MAX_PIXELS } from './limits'

const MiB = 1024 * 1024

export interface PlanLimits {
  maxPixels: number
  /** Peak of JS heap + ArrayBuffers + WASM memory one image may need (the isolate has 128 MB). */
  memoryBytes: number
  /** Estimated CPU of one image's decode (the encodes are bounded by the presets: encodeCpuMs). */
  cpuMs: number
  /** The codec's cap on libjpeg's coefficient buffers (CodecOptions.maxCoefficientBytes). */
  maxCoefficientBytes: number
  /** The largest upload, which sits in memory (JS, and for JPEG also WASM) during the decode. */
  maxUploadBytes: number
}

export const DEFAULT_LIMITS: PlanLimits = {
  maxPixels: MAX_PIXELS,
  memoryBytes: 96 * MiB,
  cpuMs: 3000,
  maxCoefficientBytes: 48 * MiB,
  maxUploadBytes: 5 * MiB,
}

/** libpng's default limit on either side (PNG_USER_WIDTH_MAX / HEIGHT_MAX); JPEG's own limit is 65535. */
export const MAX_PNG_SIDE = 1_000_000

/**
 * Memory model (docs/memory-plan.md). JS holds the processor's heap (~8 MB measured), the original
 * and at most 1 MiB of decode work (chunk headers, small views); every large buffer of every decode
 * (libjpeg's, zlib's, the PNG decoder's rows, sums and output, the resampler's, the variants and
 * the PNG encoder's output) lives in the codec's one WASM memory, which is kept for the isolate's life and reused by each job. That
 * memory never shrinks, so the isolate holds the largest any earlier image needed: capping every
 * image's WASM need at WASM_CEILING bounds the isolate at JS_BASE + upload + JS_WORK + WASM_CEILING
 * = 96 MiB whatever the order of images, without relying on garbage collection.
 */
const JS_BASE = 8 * MiB
const JS_WORK = MiB
export const WASM_CEILING = DEFAULT_LIMITS.memoryBytes - JS_BASE - DEFAULT_LIMITS.maxUploadBytes - JS_WORK

/**
 * zlib in the codec (codec/jpeg/png.c), made with the instance and kept: the PNG inflater's 64 KiB
 * input buffer and 64 KiB output window, and an arena for zlib's inflate state (~7 KB) and its
 * 32 KiB window. In every plan: the instance holds it whatever the image.
 */
export const ZLIB_INFLATER_BYTES = 64 * 1024 + 64 * 1024 + 48 * 1024 + 256
/** zlib's deflate state at windowBits 15, memLevel 8 (zlib.h: 2^17 + 2^17 bytes, plus ~6 KB of state). */
const DEFLATE_STATE_BYTES = 256 * 1024 + 8 * 1024

/*
 * CPU model, per image (docs/memory-plan.md): ns per source pixel by path (a 100 MP PNG ~2.4 s,
 * a 12 MP JPEG ~0.14 s, wrangler.processor.toml; the interlaced and all-coefficient figures are
 * estimates with margin), plus per scanline (1x100,000,000 took 7-9 s) and per IDAT chunk.
 */
const NS_PER_PIXEL = { png: 24, pngInterlaced: 36, jpeg: 12, jpegAllCoefficients: 30 }
const NS_PER_ROW = 80
/**
 * Measured (scripts/bench-png-zlib.mjs): the bench's 1500x1250 PNG in 98,104 IDAT chunks decodes 100 ms
 * slower than the same zlib stream in one chunk, 1.0 µs per chunk, since zlib runs in the codec and the
 * IDAT reader takes no promise per chunk (it was 5 µs with DecompressionStream); 2 µs with margin.
 */
const US_PER_IDAT_CHUNK = 2
/**
 * More IDAT chunks than this are refused outright (a structural cap; ~0.1 s of chunk handling): encoders write
 * 8-64 KB chunks (a 5 MB file has ~600), so this many only comes from deliberate splitting.
 */
export const MAX_IDAT_CHUNKS = 100_000

export interface DecodePlan {
  ok: boolean
  /** Why it does not fit (a sentence for the problem detail); empty when ok. */
  reason: string
  peakBytes: number
  /** The decode's CPU estimate, held to PlanLimits.cpuMs. */
  cpuMs: number
  /** Encoding every format of every variant: at most MAX_ENCODE_CPU_MS, whatever the image. */
  encodeCpuMs: number
  /** Named contributions to the peak, for the bench and docs. */
  parts: Record<string, number>
}

/** The size the first (largest) variant is made at, in stored orientation, as render.ts does. */
export function firstTarget(header: Pick<ImageHeader, 'width' | 'height' | 'orientation'>): Size {
  const displayed = displayedSize(header)
  const sizes = PRESETS.map((box) => fitWithin(displayed, box)).sort((a, b) => b.width * b.height - a.width * a.height)
  const s = sizes[0]!
  return header.orientation >= 5 ? { width: s.height, height: s.width } : s
}

export function planDecode(header: ImageHeader, limits: PlanLimits = DEFAULT_LIMITS): DecodePlan {
  const { width, height } = header
  const pixels = width * height
  const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`
  const est = header.layout.kind === 'png' ? pngPlan(header, header.layout, limits) : jpegPlan(header, header.layout, limits)
  const plan = { ...est, encodeCpuMs: encodeCpuMs(header) }
  const refuse = (reason: string): DecodePlan => ({ ...plan, ok: false, reason })
  if (pixels > limits.maxPixels) return refuse(`The image is ${width}x${height} (${mp(pixels)}); the limit is ${mp(limits.maxPixels)}.`)
  if (est.reason) return refuse(est.reason)
  if (est.peakBytes > limits.memoryBytes) {
    return refuse(`Decoding this ${width}x${height} image would need about ${Math.ceil(est.peakBytes / MiB)} MiB of memory; the limit is ${Math.floor(limits.memoryBytes / MiB)} MiB.`)
  }
  if (est.cpuMs > limits.cpuMs) {
    return refuse(`Decoding this ${width}x${height} image would take about ${(est.cpuMs / 1000).toFixed(1)} s of CPU; the limit is ${(limits.cpuMs / 1000).toFixed(1)} s per image.`)
  }
  return { ...plan, ok: true, reason: '' }
}

/**
 * Encode CPU per variant pixel, every format (JPEG or PNG, WebP method 4, AVIF speed 7), in ns:
 * AVIF dominates, 1280 for 1920x1080 of noise and 770 for a photo (check-avif.mjs, Node, one
 * thread); WebP 260 and 140; the fallback under 100. npm run bench measures it per image.
 */
const NS_PER_VARIANT_PIXEL = 1700

/** The CPU of encoding every variant of an image in every format (the variants' sizes follow from the header). */
export function encodeCpuMs(header: Pick<ImageHeader, 'width' | 'height' | 'orientation'>): number {
  const displayed = displayedSize(header)
  return PRESETS.reduce((ms, box) => {
    const size = fitWithin(displayed, box)
    return ms + (size.width * size.height * NS_PER_VARIANT_PIXEL) / 1e6
  }, 0)
}

/** The most any image's encodes take: its variants fill the presets' boxes. */
export const MAX_ENCODE_CPU_MS = PRESETS.reduce((ms, box) => ms + (box.width * box.height * NS_PER_VARIANT_PIXEL) / 1e6, 0)

/**
 * WASM memory of the resampling that follows any decode, next to the decoder's buffers: input
 * strips and every variant at once (each is resampled straight from the decoded rows), each
 * with its ring of filter rows (at most ~6 input rows' worth of its width per reduction step,
 * bounded by 7 input rows) and filter weights.
 */
function resampleBytes(inWidth: number, target: Size): number {
  const variants = PRESETS.reduce((bytes, box) => {
    const size = fitWithin(target, box)
    return bytes + size.width * size.height * 4 + inWidth * 4 * 7 + (size.width + size.height) * 64
  }, 0)
  return inWidth * 4 * 17 + target.width * 4 * 16 + Math.max(variants, 2 * target.width * target.height * 4) + MiB
}

/**
 * WASM memory of encoding the largest variant in every format, after the decoder's buffers are
 * freed: the variant, and the largest encoder's need beyond it (AVIF's; a JPEG encode needs less
 * than any of them).
 */
export function encodeBytes(target: Size): number {
  return target.width * target.height * 4 + Math.max(pngEncodeBytes(target), modernEncodeBytes(target))
}

/** The PNG encoder's WASM need beyond its input (png.c's pe_encode), for RGBA, the worst case. */
export function pngEncodeBytes(size: Size): number {
  const filtered = (size.width * 4 + 1) * size.height
  // zlib's deflateBound for the default window and memLevel: the stored-block worst case plus the wrapper.
  const bound = filtered + (filtered >> 12) + (filtered >> 14) + (filtered >> 25) + 13 + 6
  return DEFLATE_STATE_BYTES + 7 * (size.width * 4 + 1) + bound
}

/**
 * The WebP and AVIF encoders' WASM need beyond their input, the larger of the two (libaom's):
 * measured on a fresh codec with noise, the worst case (codec/memory.test.ts): AVIF at speed 7
 * grew memory by 22.0 B per pixel at 1920x1080 (frame buffers, YUV planes, coefficients, the
 * coded data), 28.0 at 800x533, 1.8 MiB at 200x133; WebP method 4 by 17.4 B per pixel.
 */
export function modernEncodeBytes(size: Size): number {
  return size.width * size.height * 22 + 3 * MiB
}

function pngPlan(header: ImageHeader, layout: PngLayout, limits: PlanLimits): Omit<DecodePlan, 'encodeCpuMs'> {
  const { width, height } = header
  const { colorType, bitDepth, interlaced } = layout
  const target = firstTarget(header)
  const k = reductionFactor(width, height, target.width, target.height)
  const outW = Math.ceil(width / k)
  const outH = Math.ceil(height / k)
  const accMax = k * k * 255 * (layout.alpha ? 255 : 1)
  const accElement = k === 1 ? 0 : accMax <= 0xffff ? 2 : accMax <= 0x7fffffff ? 4 : 8
  const rowBytes = 1 + 8 + rowBytesFor(width, colorType, bitDepth)
  const parts: Record<string, number> = {
    base: JS_BASE,
    original: limits.maxUploadBytes,
    jsWork: JS_WORK,
    // In WASM memory: zlib's inflater, kept; the block the decoder reserves (rows.ts), then the resampler's.
    zlib: ZLIB_INFLATER_BYTES,
    scanlines: 2 * rowBytes,
    strip: STRIP_PIXELS * 4,
    // Interlaced: sums for the whole reduced image, averaged in place into the output.
    accumulator: outW * 4 * accElement * (interlaced && k > 1 ? outH : 1),
    output: interlaced && k > 1 ? 0 : outW * outH * 4,
    resize: resampleBytes(outW, target),
  }
  // The encoders run once the decoder's buffers are freed: what they need beyond the decode's peak.
  parts.encode = Math.max(0, ZLIB_INFLATER_BYTES + encodeBytes(target) - wasmOf(parts))
  const peakBytes = sum(parts)
  const rows = interlaced ? height * 2 : height
  const nsPerPixel = interlaced ? NS_PER_PIXEL.pngInterlaced : NS_PER_PIXEL.png
  const cpuMs = (width * height * nsPerPixel + rows * NS_PER_ROW) / 1e6 + layout.idatChunks * US_PER_IDAT_CHUNK / 1000
  let reason = ''
  if (width > MAX_PNG_SIDE || height > MAX_PNG_SIDE) {
    reason = `The PNG is ${width}x${height}; neither side may exceed ${MAX_PNG_SIDE} pixels (libpng's default limit).`
  } else if (layout.idatChunks > MAX_IDAT_CHUNKS) {
    reason = `The PNG splits its image data into ${layout.idatChunks} IDAT chunks; at most ${MAX_IDAT_CHUNKS} are accepted (encoders write a few hundred at most).`
  }
  return { ok: !reason, reason, peakBytes, cpuMs, parts }
}

/** Bytes of libjpeg's whole-image coefficient arrays (jdcoefct.c, jmemmgr.c): 128 per 8x8 block, rounded to the MCU. */
export function coefficientBytes(width: number, height: number, components: JpegLayout['components']): number {
  const hMax = Math.max(...components.map((c) => c.h))
  const vMax = Math.max(...components.map((c) => c.v))
  let total = 0
  for (const c of components) {
    const blocksW = Math.ceil((width * c.h) / (hMax * 8))
    const blocksH = Math.ceil((height * c.v) / (vMax * 8))
    total += Math.ceil(blocksW / c.h) * c.h * Math.ceil(blocksH / c.v) * c.v * 128
  }
  return total
}

function jpegPlan(header: ImageHeader, layout: JpegLayout, limits: PlanLimits): Omit<DecodePlan, 'encodeCpuMs'> {
  const { width, height } = header
  const target = firstTarget(header)
  const scale = chooseScale(width, height, target.width, target.height)
  const scaledW = Math.ceil((width * scale.num) / scale.denom)
  const vMax = Math.max(...layout.components.map((c) => c.v))
  const coefficients = layout.allCoefficients ? coefficientBytes(width, height, layout.components) : 0
  const kept = ZLIB_INFLATER_BYTES + limits.maxUploadBytes // made with the instance; the file copied into WASM memory
  const decode =
    coefficients +
    scaledW * layout.components.length * vMax * 8 * 3 + // libjpeg's sample rows (context rows for upsampling)
    resampleBytes(scaledW, target)
  // The encoders run once libjpeg's buffers are freed: the larger of the two phases counts.
  const wasm = kept + Math.max(decode, encodeBytes(target))
  const parts: Record<string, number> = {
    base: JS_BASE,
    original: limits.maxUploadBytes,
    jsWork: 0,
    wasm,
  }
  const nsPerPixel = layout.allCoefficients ? NS_PER_PIXEL.jpegAllCoefficients : NS_PER_PIXEL.jpeg
  const cpuMs = (width * height * nsPerPixel + height * NS_PER_ROW) / 1e6
  let reason = ''
  // libjpeg refuses past the codec's cap on its own; the plan says so up front, with a reason.
  if (coefficients > limits.maxCoefficientBytes - COEFFICIENT_SLACK) {
    const kind = header.progressive ? 'a progressive JPEG' : 'a JPEG with one scan per component (non-interleaved)'
    reason = `The image is ${kind} of ${width}x${height}, whose decoding keeps every coefficient (${Math.ceil(coefficients / MiB)} MiB); the limit is ${Math.floor((limits.maxCoefficientBytes - COEFFICIENT_SLACK) / MiB)} MiB, about ${((limits.maxCoefficientBytes - COEFFICIENT_SLACK) / 3 / 1e6).toFixed(0)} MP at 4:2:0.`
  }
  return { ok: !reason, reason, peakBytes: sum(parts), cpuMs, parts }
}

/** libjpeg counts its other allocations (tables, row buffers) against the same cap. */
const COEFFICIENT_SLACK = 2 * MiB

const sum = (parts: Record<string, number>) => Object.values(parts).reduce((a, b) => a + b, 0)
/** The WASM parts of a PNG plan (everything but the JS ones). */
const wasmOf = ({ base, original, jsWork, ...wasm }: Record<string, number>) => sum(wasm)
