import { ImageDecodeError } from '../errors'

/** Output buffer for BYOB reads; one buffer is handed back and forth for the whole image. */
const READ_SIZE = 64 * 1024
/**
 * Compressed bytes per write. The upper bound caps what one write can inflate to (deflate
 * expands at most ~1032x, so 16 MiB); below it pieces shrink with the observed ratio so that a
 * piece inflates to about TARGET_OUTPUT, which keeps very compressible images cheap in memory.
 */
const MAX_PIECE = 16 * 1024
const MIN_PIECE = 1024
const TARGET_OUTPUT = 256 * 1024
/**
 * Without BYOB (Node), a write resolves before its output exists and the output arrives in 16 KiB
 * passes, so only a timer turn with no output in between says a piece is done: each piece waits for
 * one, and pieces are larger to keep those waits few.
 */
const NODE_MAX_PIECE = 32 * 1024
const NODE_TARGET_OUTPUT = 1024 * 1024

type Step =
  | { kind: 'read'; done: boolean; value: Uint8Array | undefined }
  | { kind: 'wrote'; last: boolean }
  | { kind: 'idle' }

/**
 * The inflater refused bytes after the end of the zlib stream (workerd and Node 24 do), and workerd
 * then drops the output of the piece holding them, so the image may lack its last rows.
 * `fedBefore` is how many compressed bytes were written before that piece: all zlib data.
 */
export class TrailingDataError extends ImageDecodeError {
  constructor(
    readonly fedBefore: number,
    detail: string,
  ) {
    super(`Unexpected data after the end of the zlib stream in IDAT (${detail})`)
  }
}

export interface InflateOptions {
  /** True once the consumer has every byte it needs: nothing more is written (see below). */
  complete: () => boolean
  /**
   * From this many compressed bytes on, write one byte at a time, so that after a TrailingDataError
   * a second pass can stop exactly where the image data is complete, before any trailing byte.
   */
  bytewiseFrom?: number
}

/**
 * Inflates a zlib stream with the platform's DecompressionStream, pulling compressed pieces from
 * `next` (null = end of input) and pushing inflated bytes to `onData` as they come.
 *
 * Flow control. A DecompressionStream inflates each written chunk completely into its output
 * queue, and workerd's resolves writes at once (it has no backpressure), so writing ahead of the
 * reader would queue the entire decoded image. Hence: exactly one read is always pending, at most
 * one write is in flight, pieces are small (see MAX_PIECE), and where the readable supports BYOB
 * reads (workerd) a new piece is written only once a read came back shorter than its buffer,
 * which there means the queue is empty. BYOB also lets one 64 KiB buffer serve every read.
 * After an exactly full read, or a piece that inflated to nothing, "drained" cannot be observed;
 * a zero-delay timer then stands in, rather than waiting forever. Without BYOB (Node) the timer
 * is the only signal (see NODE_TARGET_OUTPUT).
 *
 * Tolerance, as libpng's. Once `complete()` holds, no further piece is written and the input still
 * to come is skipped: bytes after the end of the zlib stream, extra data inside it, and the
 * Adler-32 trailer when it comes in a later piece than the last image byte (libpng too checks it
 * only when it happens to read it, and then only warns). An inflater error after completion is
 * ignored for the same reason. Before completion every error is fatal; a TrailingDataError tells
 * the caller a second pass with `bytewiseFrom` can recover the rows the inflater dropped.
 */
export async function inflateStream(
  next: (maxBytes: number) => Promise<Uint8Array | null>,
  onData: (bytes: Uint8Array) => void,
  options: InflateOptions,
): Promise<void> {
  const ds = new DecompressionStream('deflate')
  const writer = ds.writable.getWriter()
  let byob: ReadableStreamBYOBReader | null = null
  let plain: ReadableStreamDefaultReader<Uint8Array> | null = null
  try {
    byob = ds.readable.getReader({ mode: 'byob' })
  } catch {
    plain = ds.readable.getReader()
  }

  let view = byob ? new Uint8Array(READ_SIZE) : null
  const startRead = (): Promise<Step> => {
    const p = byob ? byob.read(view!) : plain!.read()
    return p.then((r) => ({ kind: 'read', done: r.done, value: r.value }))
  }
  let produced = 0
  let fed = 0
  // The highest expansion seen in any one piece: a piece whose output was still arriving when the
  // next was written looks less expanding than it is, so the estimate only ever goes up.
  let ratio = 0
  let lastPiece = 0
  let producedAtWrite = 0
  const startWrite = async (): Promise<Step> => {
    if (lastPiece) ratio = Math.max(ratio, (produced - producedAtWrite) / lastPiece)
    // Until output is seen, assume the worst, so the first piece is small.
    let size = Math.max(MIN_PIECE, Math.min(byob ? MAX_PIECE : NODE_MAX_PIECE, Math.floor((byob ? TARGET_OUTPUT : NODE_TARGET_OUTPUT) / (ratio || 1032))))
    const slow = options.bytewiseFrom
    if (slow !== undefined) size = fed >= slow ? 1 : Math.min(size, slow - fed)
    const piece = await next(size)
    lastPiece = piece?.length ?? 0
    fed += lastPiece
    producedAtWrite = produced
    if (piece) {
      await writer.write(piece)
    } else await writer.close()
    return { kind: 'wrote', last: piece === null }
  }

  let reading: Promise<Step> = startRead()
  let writing: Promise<Step> | null = null
  let inputDone = false
  let drained = true
  let timer: ReturnType<typeof setTimeout> | null = null
  const stopTimer = (): void => {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }
  /** Settles both sides so nothing is left pending or unhandled. */
  const stop = (reason?: unknown): void => {
    stopTimer()
    writing?.catch(() => {})
    reading.catch(() => {})
    writer.abort(reason).catch(() => {})
    ;(byob ?? plain)!.cancel(reason).catch(() => {})
  }
  try {
    for (;;) {
      if (!writing && !inputDone && drained) {
        writing = startWrite()
        drained = false
      }
      const racers: Promise<Step>[] = writing ? [reading, writing] : [reading]
      if (!drained && !writing && !inputDone) {
        racers.push(new Promise<Step>((resolve) => (timer = setTimeout(resolve, 0, { kind: 'idle' }))))
      }
      const step = await Promise.race(racers)
      stopTimer()
      if (step.kind === 'idle') {
        drained = true
      } else if (step.kind === 'wrote') {
        writing = null
        if (step.last) inputDone = true
      } else {
        if (step.done) {
          // The inflater may finish before close() (Node 20): any input still to come is trailing data, skipped.
          const w = writing ? await writing : null
          if (!inputDone && !(w?.kind === 'wrote' && w.last)) while (await next(MAX_PIECE));
          return
        }
        const value = step.value!
        produced += value.length
        if (value.length) onData(value)
        if (options.complete()) {
          stop()
          while (await next(MAX_PIECE));
          return
        }
        if (byob) {
          drained = value.length < READ_SIZE
          view = new Uint8Array(value.buffer as ArrayBuffer, 0, READ_SIZE)
        }
        reading = startRead()
      }
    }
  } catch (e) {
    stop(e)
    if (e instanceof ImageDecodeError) throw e
    const detail = e instanceof Error ? e.message : String(e)
    if (options.complete()) {
      // Trouble after the last image byte (bad trailer, trailing bytes): libpng only warns.
      while (await next(MAX_PIECE));
      return
    }
    if (/trailing/i.test(detail)) throw new TrailingDataError(fed - lastPiece, detail)
    throw new ImageDecodeError(`Corrupt zlib data in IDAT: ${detail}`)
  }
}
