import { ImageDecodeError } from '../errors'

/**
 * zlib's inflate in the codec's WASM memory (codec/jpeg/png.c, bound in jpeg/decoder.ts): a fixed
 * input buffer and a fixed output window, so inflating allocates nothing in JS and never yields
 * to the event loop. The views stay valid for a whole decode: nothing grows the codec's memory
 * while a PNG decode holds its turn (render.ts).
 */
export interface ZlibInflater {
  /** Starts a new zlib stream. */
  open(): void
  /** The input buffer: write compressed bytes at its start, then call run(count). */
  readonly input: Uint8Array
  /** The output window; run() fills it from its start. */
  readonly output: Uint8Array
  /**
   * Inflates into the output window: `fresh` > 0 after writing that many bytes to `input` (only
   * once the previous input is used up), 0 to go on. Returns the bytes produced; fewer than the
   * window with status() 0 means the input is used up.
   */
  run(fresh: number): number
  /** 0 = more to come, 1 = the zlib stream ended, negative = corrupt data (see message()). */
  status(): number
  /** Input bytes not yet used (after the stream's end: bytes after it). */
  left(): number
  message(): string
}

/** Where the compressed bytes come from: the IDAT run's payload (decoder.ts's IdatReader). */
export interface CompressedSource {
  /** Copies the next bytes into `into` (at least one unless the data is over); 0 = no more. */
  fill(into: Uint8Array): Promise<number>
  /** Reads (and checks) the rest without using it; returns how many payload bytes that was. */
  skipRest(): Promise<number>
}

/** The inflated bytes' consumer (rows.ts's RowSink). */
export interface InflatedSink {
  push(bytes: Uint8Array): void
  /** True once every scanline is in: nothing more is needed. */
  readonly complete: boolean
  /** Bytes pushed after that. */
  readonly ignored: number
}

/**
 * Inflates the IDAT stream into `sink`, window by window.
 *
 * Tolerance, as libpng's: once the sink is complete the rest of the input is skipped unread by
 * zlib (bytes after the end of the zlib stream, extra data inside it, a bad Adler-32 trailer:
 * libpng only warns, or does not look). Before completion a zlib error is fatal. When the stream
 * or the input ends first, the caller's RowSink.finish() refuses the image (not enough data).
 * Returns true when the stream was exactly the image: it ended with the last scanline and
 * nothing followed it (false for what was forgiven above).
 */
export async function inflateIdat(source: CompressedSource, z: ZlibInflater, sink: InflatedSink): Promise<boolean> {
  z.open()
  const window = z.output.length
  for (;;) {
    const fresh = await source.fill(z.input)
    if (fresh === 0) return false
    for (let produced = z.run(fresh); ; produced = z.run(0)) {
      if (produced) sink.push(z.output.subarray(0, produced))
      if (sink.complete) {
        // The trailer may still be in the input: one more run reads it (more output = extra data).
        if (z.status() === 0 && z.left() > 0 && z.run(0) > 0) return (await source.skipRest(), false)
        const exact = z.status() === 1 && z.left() === 0 && sink.ignored === 0
        return (await source.skipRest()) === 0 && exact
      }
      const status = z.status()
      if (status < 0) throw new ImageDecodeError(`Corrupt zlib data in IDAT: ${z.message()}`)
      // The stream ended before the last scanline; what follows is not image data.
      if (status === 1) return (await source.skipRest(), false)
      if (produced < window) break // input used up
    }
  }
}
