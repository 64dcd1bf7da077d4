/**
 * The codec: one WASM module (codec.wasm, built by codec/jpeg/build.sh from Debian's
 * libjpeg-turbo 2.1.5, lcms2 2.14, zlib 1.2.13, libwebp 1.2.4, libaom 3.6.0 and libavif 0.11.1 plus
 * codec/jpeg/*.c) that decodes JPEG with DCT-domain scaling, streamed row group by row group,
 * converts colour, resizes (Lanczos-3), encodes JPEG, WebP and AVIF, and inflates and deflates PNG
 * data. One instance per isolate, its memory reused
 * by every job (docs/memory-plan.md). No Emscripten JS glue: the imports below are the whole
 * runtime. workerd forbids compiling wasm bytes at runtime, so callers pass a compiled module:
 *
 *   import codecWasm from './codec/codec.wasm?module'
 *   const codec = await Codec.create(codecWasm)
 *   const { data, width, height } = codec.decode(bytes, 1440, 1080)
 */
import type { ColourSource } from '../colour/profile'
import { chooseScale } from '../../formats/geometry'
import type { Size } from '../../formats/presets'
import { MAX_PIXELS } from '../../formats/limits'
import { ImageDecodeError } from '../errors'
import type { ZlibInflater } from '../png/inflate'
import type { PngDeflater, RgbaPixels, ZlibSettings } from '../png/encoder'

export interface JpegInfo {
  width: number
  height: number
  components: number
  progressive: boolean
}

export interface DecodedJpeg {
  /** The scaled output size. */
  width: number
  height: number
  /** RGBA, 4 bytes per pixel, alpha 255; owned by JS (a copy, not a view of WASM memory). */
  data: Uint8ClampedArray
  /** The DCT scale used: scaleNum / scaleDenom, with scaleDenom always 8. */
  scaleNum: number
  scaleDenom: number
}

export interface CodecOptions {
  /** Refuse images whose header claims more pixels than this (default 100 million). */
  maxPixels?: number
  /**
   * Cap on libjpeg's coefficient buffers, which only progressive/multi-scan
   * files need (about 3 bytes per pixel for 4:2:0, 6 for 4:4:4). Over it the
   * file is refused with ImageDecodeError instead of growing WASM memory and
   * risking the isolate's 128 MB limit. Default 48 MiB: a 16 MP progressive
   * 4:2:0 file (MAX_PROGRESSIVE_PIXELS), 8 MP at 4:4:4.
   */
  maxCoefficientBytes?: number
  /**
   * Ceiling of the WASM memory (default 82 MiB, plan.ts's WASM_CEILING). The instance is kept and
   * its memory reused from job to job (a replaced instance's memory would linger until garbage
   * collection, on top of the new one's); growing past this fails the job instead.
   */
  maxMemoryBytes?: number
}

const DEFAULT_MAX_COEFFICIENT_BYTES = 48 * 1024 * 1024
const DEFAULT_MAX_MEMORY_BYTES = 82 * 1024 * 1024


/** The C exports (codec/jpeg/*.c). Negative results mean "error, see jd_message / je_message". */
interface Exports {
  memory: WebAssembly.Memory
  _initialize(): void
  jd_info(): number
  jd_message(): number
  jd_buffer(): number
  jd_abort(): void
  jd_header(maxCoefficientBytes: number): number
  jd_start(scaleNum: number, keepCmyk: number): number
  jd_read(): number
  // encoder.c
  je_encode(rgba: number, width: number, height: number, quality: number): number
  je_output(): number
  je_message(): number
  je_release(): void
  // resize.c
  rs_new(inWidth: number, inHeight: number, outWidth: number, outHeight: number, premultiply: number): number
  rs_push(resizer: number, rows: number, count: number): number
  rs_output(resizer: number): number
  rs_free(resizer: number): void
  // colour.c (lcms2)
  cs_open(profile: number, size: number, pixels: number): number
  cs_open_primaries(wx: number, wy: number, rx: number, ry: number, gx: number, gy: number, bx: number, by: number, gamma: number, grey: number): number
  cs_apply(transform: number, pixels: number, count: number): void
  cs_free(transform: number): void
  cs_message(): number
  mem_alloc(bytes: number): number
  mem_free(ptr: number): void
  // png.c (zlib)
  pi_open(): number
  pi_input(): number
  pi_output(): number
  pi_capacity(): number
  pi_window(): number
  pi_run(fresh: number): number
  pi_status(): number
  pi_left(): number
  pi_message(): number
  pe_has_alpha(rgba: number, pixels: number): number
  pe_encode(rgba: number, width: number, height: number, alpha: number, level: number, strategy: number): number
  pe_output(): number
  pe_message(): number
  pe_release(): void
  // webp.c (libwebp)
  we_encode(rgba: number, width: number, height: number, quality: number, method: number): number
  we_output(): number
  we_release(): void
  // avif.c (libavif on libaom)
  ae_encode(rgba: number, width: number, height: number, quality: number, speed: number, hasAlpha: number): number
  ae_output(): number
  ae_release(): void
}

/**
 * An RGBA image living in the codec's WASM memory (a resizer's output), so
 * decode -> resize -> encode never copies pixels through JS. Valid until
 * released; release every one (render.ts does, in a finally).
 */
export interface WasmImage {
  readonly width: number
  readonly height: number
  /** The resizer owning the pixels (0 once released). */
  handle: number
  /** Which instance it lives in: a handle from a replaced instance is dead. */
  readonly epoch: number
}

/** A decoder's output: `tolerated` when libjpeg forgave damage (junk bytes, a missing EOI, a stray marker after the image). */
/** Rows handed to the resampler per call when the pixels come from JS. */
const STRIP_ROWS = 16

// Layout of the int32 array at jd_info().
const I_WIDTH = 0
const I_HEIGHT = 1
const I_COMPONENTS = 2
const I_PROGRESSIVE = 3
const I_COLOR_SPACE = 4
const I_OUT_WIDTH = 5
const I_OUT_HEIGHT = 6
const I_ADOBE = 8
const I_TOLERATED = 9
const INFO_LENGTH = 10
// libjpeg's J_COLOR_SPACE values for 4-channel files.
const JCS_CMYK = 4
const JCS_YCCK = 5
// colour.c's pixel layouts.
const PIXELS_RGBA = 0
const PIXELS_CMYK = 1
const PIXELS_CMYK_INVERTED = 2

interface CodecInfo extends JpegInfo {
  outWidth: number
  outHeight: number
  cmyk: boolean
  adobe: boolean
  tolerated: boolean
}

/**
 * Conversion of the decoded pixels to sRGB (see ../colour/profile.ts).
 * When the profile cannot be used, `onFallback` gets the reason and the
 * pixels are kept as they are (treated as sRGB): never a failed image.
 */
export interface ColourOptions {
  source: ColourSource
  onFallback: (reason: string) => void
}

const WASI_EBADF = 8
const EMPTY = new Uint8Array(0)

/** An error the C side reported cleanly (its state is already reset). */
class CodecError extends ImageDecodeError {}

/**
 * One instance of the codec module: libjpeg-turbo's decoder and encoder and a
 * streaming Lanczos-3 resampler sharing one WASM memory.
 */
export class Codec implements PngDeflater {
  private x!: Exports
  /** The PNG decoder's zlib inflater in this instance (made with it: see adopt). */
  inflater!: ZlibInflater
  /** Jobs holding WasmImages: the instance is only ever replaced when none does. */
  private jobs = 0
  private epoch = 0
  /** Set when a call into WASM ended abnormally (trap, throw from an import). */
  private broken = false
  private input: Uint8Array = EMPTY
  private inputPos = 0
  private tempRet0 = 0
  private readonly maxPixels: number
  private readonly maxCoefficientBytes: number
  private readonly maxMemoryBytes: number
  /** Blocks handed out by reserve() in this instance, freed by releaseReserved(). */
  private reserved: number[] = []

  private constructor(
    private readonly module: WebAssembly.Module,
    options: CodecOptions,
  ) {
    this.maxPixels = options.maxPixels ?? MAX_PIXELS
    this.maxCoefficientBytes = options.maxCoefficientBytes ?? DEFAULT_MAX_COEFFICIENT_BYTES
    this.maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES
  }

  static async create(module: WebAssembly.Module, options: CodecOptions = {}): Promise<Codec> {
    const decoder = new Codec(module, options)
    // With a Module (not bytes) this resolves to an Instance; no compilation.
    decoder.adopt(await WebAssembly.instantiate(module, decoder.imports()))
    return decoder
  }

  /** WASM memory in bytes right now (for benchmarks). */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength
  }

  /** Reads only the header. */
  readInfo(bytes: Uint8Array): JpegInfo {
    return this.run(bytes, () => {
      this.check(this.x.jd_header(this.maxCoefficientBytes))
      const { width, height, components, progressive } = this.info()
      this.x.jd_abort()
      return { width, height, components, progressive }
    })
  }

  /** Reads the header, refuses it over the pixel limit, and starts decoding at the scale covering min. */
  private start(minWidth: number, minHeight: number, colour?: ColourOptions): { num: number; denom: number; transform: number } {
    const x = this.x
    this.check(x.jd_header(this.maxCoefficientBytes))
    const { width, height, cmyk, adobe } = this.info()
    if (width * height > this.maxPixels) {
      x.jd_abort()
      throw new CodecError(`JPEG is ${width}x${height}, over the ${this.maxPixels} pixel limit`)
    }
    const scale = chooseScale(width, height, minWidth, minHeight)
    // CMYK goes to lcms raw only when its profile opened; otherwise the decoder's naive conversion.
    const transform = colour ? this.openColour(colour, cmyk ? (adobe ? PIXELS_CMYK_INVERTED : PIXELS_CMYK) : PIXELS_RGBA) : 0
    try {
      this.check(x.jd_start(scale.num, transform && cmyk ? 1 : 0))
    } catch (error) {
      if (transform) x.cs_free(transform)
      throw error
    }
    return { ...scale, transform }
  }

  /** A colour.c transform to sRGB for these pixels, or 0 (after telling onFallback why) when there is nothing to do or it cannot be built. */
  private openColour(colour: ColourOptions, pixels: number): number {
    const x = this.x
    const source = colour.source
    if (source.kind === 'srgb') return 0
    if (source.kind === 'invalid') {
      colour.onFallback(source.reason)
      return 0
    }
    if ((pixels === PIXELS_RGBA) !== (source.kind !== 'icc' || source.space !== 'CMYK')) {
      colour.onFallback(`${source.kind === 'icc' ? source.space : 'RGB'} profile does not fit the ${pixels === PIXELS_RGBA ? 'RGB/grey' : 'CMYK'} pixels`)
      return 0
    }
    let transform: number
    if (source.kind === 'icc') {
      const ptr = x.mem_alloc(source.profile.length)
      if (!ptr) throw this.fail(new Error('out of memory for the ICC profile'))
      new Uint8Array(x.memory.buffer, ptr, source.profile.length).set(source.profile)
      transform = x.cs_open(ptr, source.profile.length, pixels)
      x.mem_free(ptr)
    } else {
      const { white: w, red: r, green: g, blue: b } = source
      transform = x.cs_open_primaries(w[0], w[1], r[0], r[1], g[0], g[1], b[0], b[1], source.gamma, source.grey ? 1 : 0)
    }
    if (!transform) colour.onFallback(this.text(x.cs_message()) || 'lcms could not use the profile')
    return transform
  }

  /** Decode at the smallest DCT scale whose output is at least minWidth x minHeight (both), else full size. */
  decode(bytes: Uint8Array, minWidth: number, minHeight: number): DecodedJpeg {
    return this.run(bytes, () => {
      const x = this.x
      const scale = this.start(minWidth, minHeight)
      const { outWidth, outHeight } = this.info()
      const stride = outWidth * 4
      const data = new Uint8ClampedArray(stride * outHeight)
      let y = 0
      for (;;) {
        const rows = this.check(x.jd_read())
        if (rows === 0) break
        if (y + rows > outHeight) throw new Error('decoder returned too many rows')
        // Re-read memory.buffer each time: it is replaced when memory grows.
        data.set(new Uint8Array(x.memory.buffer, x.jd_buffer(), rows * stride), y * stride)
        y += rows
      }
      if (y !== outHeight) throw new Error(`decoder returned ${y} of ${outHeight} rows`)
      return { width: outWidth, height: outHeight, data, scaleNum: scale.num, scaleDenom: scale.denom }
    })
  }

  /**
   * Decodes at the smallest DCT scale covering `min` and streams the rows
   * straight into one resampler per size in `outs`, all inside WASM memory: the
   * decoded image never exists whole, only the outputs do, each resampled once
   * from the decoded rows (a cascade of resamplings drifts from a direct one,
   * most visibly on thumbnails).
   */
  decodeResized(bytes: Uint8Array, min: Size, outs: readonly Size[], colour?: ColourOptions): { images: WasmImage[]; tolerated: boolean } {
    return this.run(bytes, () => {
      const x = this.x
      const { transform } = this.start(min.width, min.height, colour)
      const { outWidth, outHeight } = this.info()
      const resizers: number[] = []
      let y = 0
      try {
        for (const out of outs) {
          const resizer = x.rs_new(outWidth, outHeight, out.width, out.height, 0)
          if (!resizer) throw new Error('out of memory for the resampler')
          resizers.push(resizer)
        }
        for (;;) {
          const rows = this.check(x.jd_read())
          if (rows === 0) break
          if (y + rows > outHeight) throw new Error('decoder returned too many rows')
          // To sRGB on the DCT-scaled rows, in place, just before they are resampled.
          if (transform) x.cs_apply(transform, x.jd_buffer(), rows * outWidth)
          for (const resizer of resizers) x.rs_push(resizer, x.jd_buffer(), rows)
          y += rows
        }
        if (y !== outHeight) throw new Error(`decoder returned ${y} of ${outHeight} rows`)
      } catch (error) {
        for (const resizer of resizers) x.rs_free(resizer)
        throw error
      } finally {
        if (transform) x.cs_free(transform)
      }
      // Read after the last row: libjpeg reports trouble after the scan only once it reaches EOI.
      const images = outs.map((out, i) => ({ width: out.width, height: out.height, handle: resizers[i]!, epoch: this.epoch }))
      return { images, tolerated: this.info().tolerated }
    })
  }

  /**
   * Lanczos-3 resample of RGBA pixels held by JS (or reserve()d), fed to WASM a strip at a time
   * (never copied whole), into one resampler per size in `outs`.
   */
  resizePixels(
    src: { width: number; height: number; data: Uint8Array | Uint8ClampedArray },
    outs: readonly Size[],
    premultiply: boolean,
    colour?: ColourOptions,
  ): WasmImage[] {
    const x = this.healthy()
    const stride = src.width * 4
    // Pixels in a reserve()d block are read where they are, by address: growing memory below
    // (rs_new) detaches the view but not the bytes.
    const at = src.data.buffer === x.memory.buffer ? src.data.byteOffset : -1
    let transform = 0
    const resizers: number[] = []
    let strip = 0
    try {
      // Straight (non-premultiplied) alpha is untouched by the transform, so converting before premultiplying is right.
      transform = colour ? this.openColour(colour, PIXELS_RGBA) : 0
      for (const out of outs) {
        const resizer = x.rs_new(src.width, src.height, out.width, out.height, premultiply ? 1 : 0)
        if (!resizer) throw new Error('out of memory for the resampler')
        resizers.push(resizer)
      }
      strip = at < 0 ? x.mem_alloc(stride * STRIP_ROWS) : 0
      if (at < 0 && !strip) throw new Error('out of memory for the resampler')
      for (let y = 0; y < src.height; y += STRIP_ROWS) {
        const rows = Math.min(STRIP_ROWS, src.height - y)
        let ptr = at + y * stride
        if (at < 0) {
          ptr = strip
          new Uint8Array(x.memory.buffer, strip, rows * stride).set(src.data.subarray(y * stride, (y + rows) * stride))
        }
        // The transform runs once, in place, before every resampler reads the strip.
        if (transform) x.cs_apply(transform, ptr, rows * src.width)
        for (const resizer of resizers) x.rs_push(resizer, ptr, rows)
      }
    } catch (error) {
      for (const resizer of resizers) x.rs_free(resizer)
      throw this.fail(error)
    } finally {
      if (strip) x.mem_free(strip)
      if (transform) x.cs_free(transform)
    }
    return outs.map((out, i) => ({ width: out.width, height: out.height, handle: resizers[i]!, epoch: this.epoch }))
  }

  /** A view of the pixels (RGBA) in WASM memory; valid until the next call into the codec. */
  pixels(image: WasmImage): Uint8ClampedArray {
    this.live(image)
    return new Uint8ClampedArray(this.x.memory.buffer, this.x.rs_output(image.handle), image.width * image.height * 4)
  }

  /** Baseline JPEG (4:2:0, optimised Huffman tables) of an image in WASM memory; the bytes are copied out. */
  encode(image: WasmImage, quality: number): Uint8Array {
    const x = this.healthy()
    this.live(image)
    return this.encodeAt(x.rs_output(image.handle), image.width, image.height, quality)
  }

  /** The same, from RGBA pixels held by JS (e.g. after EXIF orientation). */
  encodePixels(src: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }, quality: number): Uint8Array {
    const x = this.healthy()
    let ptr = 0
    try {
      ptr = x.mem_alloc(src.data.byteLength)
    } catch (error) {
      throw this.fail(error)
    }
    if (!ptr) throw this.fail(new Error('out of memory for the encoder input'))
    try {
      new Uint8Array(x.memory.buffer, ptr, src.data.byteLength).set(src.data)
      return this.encodeAt(ptr, src.width, src.height, quality)
    } finally {
      x.mem_free(ptr)
    }
  }

  /**
   * Lossy WebP (libwebp: VP8, plus ALPH when any pixel is transparent) of an image in WASM memory
   * or of RGBA pixels held by JS; `method` is libwebp's speed/size trade-off (sharp's effort).
   */
  encodeWebp(image: WasmImage | RgbaPixels, quality: number, method: number): Uint8Array {
    return this.encodeWith(image, 'WebP (libwebp)', (x, ptr) => x.we_encode(ptr, image.width, image.height, quality, method), (x) => x.we_output(), (x) => x.we_release())
  }

  /**
   * AVIF of an image (libavif on libaom, 8-bit 4:2:0, sRGB): quality on sharp's scale, speed = libaom's
   * cpu-used. An alpha plane is written only when some pixel is not opaque.
   */
  encodeAvif(image: WasmImage | RgbaPixels, quality: number, speed: number): Uint8Array {
    return this.encodeWith(image, 'AVIF (libavif)', (x, ptr) => x.ae_encode(ptr, image.width, image.height, quality, speed, 1), (x) => x.ae_output(), (x) => x.ae_release())
  }

  /** Runs one of the modern encoders on pixels where they are (or copied in), and copies its output out. */
  private encodeWith(image: WasmImage | RgbaPixels, name: string, encode: (x: Exports, ptr: number) => number, output: (x: Exports) => number, release: (x: Exports) => void): Uint8Array {
    const run = (ptr: number) => {
      const x = this.x
      let size: number
      try {
        size = encode(x, ptr)
      } catch (error) {
        throw this.fail(error) // a trap, or growth over maxMemoryBytes
      }
      if (size < 0) throw this.fail(new Error(`${name} encoding failed: error ${-size}`))
      const out = new Uint8Array(x.memory.buffer, output(x), size).slice()
      release(x)
      return out
    }
    if ('handle' in image) {
      this.healthy()
      this.live(image)
      return run(this.x.rs_output(image.handle))
    }
    return this.withPixels(image, run)
  }

  /** True when any pixel's alpha is not 255 (pixels in codec memory are read in place). */
  anyTransparent(pixels: RgbaPixels): boolean {
    return this.withPixels(pixels, (ptr) => this.x.pe_has_alpha(ptr, pixels.width * pixels.height) !== 0)
  }

  /** A PNG's zlib stream (filtered rows, deflated) of RGBA pixels, handed to `use` as a view valid during the call. */
  deflateRows(pixels: RgbaPixels, alpha: boolean, zlib: ZlibSettings, use: (idat: Uint8Array) => void): void {
    this.withPixels(pixels, (ptr) => {
      const x = this.x
      let size: number
      try {
        size = x.pe_encode(ptr, pixels.width, pixels.height, alpha ? 1 : 0, zlib.level, zlib.strategy)
      } catch (error) {
        throw this.fail(error) // a trap, or growth over maxMemoryBytes
      }
      if (size < 0) throw this.fail(new Error(this.text(x.pe_message()) || 'PNG encoding failed'))
      try {
        use(new Uint8Array(x.memory.buffer, x.pe_output(), size))
      } finally {
        x.pe_release()
      }
    })
  }

  /** Runs `work` on the address of the pixels: in place when they live in codec memory, else a copy there. */
  private withPixels<T>(pixels: RgbaPixels, work: (ptr: number) => T): T {
    const x = this.healthy()
    const data = pixels.data
    if (data.buffer === x.memory.buffer) return work(data.byteOffset)
    let ptr = 0
    try {
      ptr = x.mem_alloc(data.byteLength)
    } catch (error) {
      throw this.fail(error)
    }
    if (!ptr) throw this.fail(new Error('out of memory for the encoder input'))
    try {
      new Uint8Array(x.memory.buffer, ptr, data.byteLength).set(data)
      return work(ptr)
    } finally {
      x.mem_free(ptr)
    }
  }

  release(image: WasmImage): void {
    if (image.handle && !this.broken && image.epoch === this.epoch) this.x.rs_free(image.handle)
    image.handle = 0
  }

  /**
   * A block of `bytes` in WASM memory (not zeroed) for a decoder's buffers (the PNG
   * decoder's rows, sums and output), so they reuse the memory earlier jobs grew instead of
   * becoming new ArrayBuffers that linger as garbage. The view is valid until memory grows
   * (any later call into the codec may grow it); free with releaseReserved().
   */
  reserve(bytes: number): Uint8Array<ArrayBuffer> {
    const x = this.healthy()
    let ptr = 0
    try {
      ptr = bytes > 0 ? x.mem_alloc(bytes) : 0
    } catch (error) {
      throw this.fail(error) // e.g. over maxMemoryBytes
    }
    if (bytes > 0 && !ptr) throw this.fail(new Error(`out of memory reserving ${bytes} bytes`))
    if (ptr) this.reserved.push(ptr)
    return new Uint8Array(x.memory.buffer, ptr, bytes)
  }

  /** Frees every reserve()d block (they belong to one job). */
  releaseReserved(): void {
    if (!this.broken) for (const ptr of this.reserved) this.x.mem_free(ptr)
    this.reserved = []
  }

  /**
   * Brackets a job that holds WasmImages. The instance is only replaced when a call failed
   * abnormally (broken), never to give memory back: WASM memory never shrinks, and a replaced
   * instance's memory would linger until garbage collection on top of the new one. Kept, it is
   * reused by the next job, so the isolate's peak is the high-water mark, capped by maxMemoryBytes.
   */
  begin(): void {
    this.jobs++
  }

  end(): void {
    this.jobs = Math.max(0, this.jobs - 1)
    if (this.jobs === 0) {
      this.releaseReserved()
      if (this.broken) this.adopt(new WebAssembly.Instance(this.module, this.imports()))
    }
  }

  private encodeAt(ptr: number, width: number, height: number, quality: number): Uint8Array {
    const x = this.x
    let size: number
    try {
      size = x.je_encode(ptr, width, height, quality)
    } catch (error) {
      throw this.fail(error) // a trap, or growth over maxMemoryBytes
    }
    if (size < 0) throw this.fail(new Error(this.text(x.je_message()) || 'JPEG encoding failed'))
    const out = new Uint8Array(x.memory.buffer, x.je_output(), size).slice()
    x.je_release()
    return out
  }

  private live(image: WasmImage): void {
    if (!image.handle || image.epoch !== this.epoch) throw new ImageDecodeError('The image was released or its codec instance replaced')
  }

  private healthy(): Exports {
    if (this.broken) throw new ImageDecodeError('The codec instance failed in this job')
    return this.x
  }

  /** A failure outside decoding (out of memory, a trap): the instance is not trusted again. */
  private fail(error: unknown): Error {
    if (!(error instanceof CodecError)) this.broken = true
    return error instanceof Error ? error : new Error(String(error))
  }

  /**
   * Runs one job against a healthy instance. Errors the C side reported are
   * ImageDecodeErrors and leave the instance usable; anything else (a trap, a
   * throw from an import) marks it broken, to be replaced at the next call.
   */
  private run<T>(bytes: Uint8Array, job: () => T): T {
    if (this.broken && this.jobs <= 1) {
      // A failed call left C state we cannot trust: start over (its memory is garbage now).
      this.adopt(new WebAssembly.Instance(this.module, this.imports()))
    }
    this.input = bytes
    this.inputPos = 0
    try {
      return job()
    } catch (error) {
      if (error instanceof CodecError) throw error
      this.broken = true
      if (error instanceof ImageDecodeError) throw error
      const reason = error instanceof Error ? error.message : String(error)
      throw new ImageDecodeError(`JPEG decoder failed: ${reason}`)
    } finally {
      this.input = EMPTY
    }
  }

  private adopt(instance: WebAssembly.Instance): void {
    this.x = instance.exports as unknown as Exports
    this.reserved = [] // blocks of the old instance went with it
    this.epoch++
    this.broken = false
    this.tempRet0 = 0
    this.x._initialize()
    // The inflater's state and buffers are made first and kept: a PNG decode then never grows memory
    // (which would detach the views of its reserve()d block) by opening it.
    const x = this.x
    if (x.pi_open() < 0) throw new Error('out of memory for the zlib inflater')
    const input = new Uint8Array(x.memory.buffer, x.pi_input(), x.pi_capacity())
    const output = new Uint8Array(x.memory.buffer, x.pi_output(), x.pi_window())
    this.inflater = {
      open: () => {
        if (this.healthy().pi_open() < 0) throw this.fail(new Error('zlib inflateReset failed'))
      },
      // Views made once: the memory only grows between decodes, and then re-made below.
      get input() {
        return input.buffer === x.memory.buffer ? input : new Uint8Array(x.memory.buffer, x.pi_input(), x.pi_capacity())
      },
      get output() {
        return output.buffer === x.memory.buffer ? output : new Uint8Array(x.memory.buffer, x.pi_output(), x.pi_window())
      },
      run: (fresh) => x.pi_run(fresh),
      status: () => x.pi_status(),
      left: () => x.pi_left(),
      message: () => this.text(x.pi_message()),
    }
  }

  private check(result: number): number {
    if (result >= 0) return result
    throw new CodecError(this.message() || 'Invalid JPEG')
  }

  /** The int32 array at jd_info(), as filled by jd_header / jd_start. */
  private info(): CodecInfo {
    const view = new DataView(this.x.memory.buffer, this.x.jd_info(), INFO_LENGTH * 4)
    const at = (i: number) => view.getInt32(i * 4, true)
    return {
      width: at(I_WIDTH),
      height: at(I_HEIGHT),
      components: at(I_COMPONENTS),
      progressive: at(I_PROGRESSIVE) !== 0,
      outWidth: at(I_OUT_WIDTH),
      outHeight: at(I_OUT_HEIGHT),
      cmyk: at(I_COLOR_SPACE) === JCS_CMYK || at(I_COLOR_SPACE) === JCS_YCCK,
      adobe: at(I_ADOBE) !== 0,
      tolerated: at(I_TOLERATED) !== 0,
    }
  }

  private message(): string {
    return this.text(this.x.jd_message())
  }

  private text(ptr: number): string {
    const bytes = new Uint8Array(this.x.memory.buffer, ptr, 200)
    const end = bytes.indexOf(0)
    return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end))
  }

  /** Copies the next compressed bytes into WASM memory (libjpeg's fill_input_buffer). */
  private fill(ptr: number, capacity: number): number {
    const n = Math.min(capacity, this.input.length - this.inputPos)
    if (n <= 0) return 0
    new Uint8Array(this.x.memory.buffer, ptr, n).set(this.input.subarray(this.inputPos, this.inputPos + n))
    this.inputPos += n
    return n
  }

  /** Everything the module imports: our input callback, Wasm-SjLj helpers, and inert WASI stubs. */
  private imports(): WebAssembly.Imports {
    return {
      env: {
        jd_fill: (ptr: number, capacity: number) => this.fill(ptr, capacity),
        // setjmp/longjmp (SUPPORT_LONGJMP=wasm) passes the longjmp value here.
        getTempRet0: () => this.tempRet0,
        setTempRet0: (value: number) => {
          this.tempRet0 = value
        },
        // The cap: past it the job fails (and the instance is replaced) instead of risking the isolate.
        emscripten_notify_memory_growth: () => {
          if (this.x.memory.buffer.byteLength > this.maxMemoryBytes) {
            throw new ImageDecodeError(`The codec would need more than ${Math.floor(this.maxMemoryBytes / 1048576)} MiB of memory`)
          }
        },
        // lcms2's file I/O (never used: profiles come from memory).
        __syscall_unlink: () => -38,
        __syscall_rmdir: () => -38,
      },
      wasi_snapshot_preview1: {
        // getenv("JPEGMEM") in libjpeg's memory manager: an empty environment.
        environ_sizes_get: (countPtr: number, sizePtr: number) => {
          const view = new DataView(this.x.memory.buffer)
          view.setUint32(countPtr, 0, true)
          view.setUint32(sizePtr, 0, true)
          return 0
        },
        environ_get: () => 0,
        // Linked in by libjpeg's default stderr printer, which we replace.
        fd_write: () => WASI_EBADF,
        fd_read: () => WASI_EBADF,
        // lcms2 stamps profiles it builds (the sRGB target) with the time: 0 is fine.
        clock_time_get: (_id: number, _precision: bigint, timePtr: number) => {
          new DataView(this.x.memory.buffer).setBigUint64(timePtr, 0n, true)
          return 0
        },
        fd_seek: () => WASI_EBADF,
        fd_close: () => WASI_EBADF,
        proc_exit: (code: number) => {
          throw new ImageDecodeError(`JPEG decoder exited (code ${code})`)
        },
      },
    }
  }
}
