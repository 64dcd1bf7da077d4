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
 */
export async function inflateStream(
  next: (maxBytes: number) => Promise<Uint8Array | null>,
  onData: (bytes: Uint8Array) => void,
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
  // The highest expansion seen in any one piece: a piece whose output was still arriving when the
  // next was written looks less expanding than it is, so the estimate only ever goes up.
  let ratio = 0
  let lastPiece = 0
  let producedAtWrite = 0
  const startWrite = async (): Promise<Step> => {
    if (lastPiece) ratio = Math.max(ratio, (produced - producedAtWrite) / lastPiece)
    // Until output is seen, assume the worst, so the first piece is small.
    const piece = await next(Math.max(MIN_PIECE, Math.min(byob ? MAX_PIECE : NODE_MAX_PIECE, Math.floor((byob ? TARGET_OUTPUT : NODE_TARGET_OUTPUT) / (ratio || 1032)))))
    lastPiece = piece?.length ?? 0
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
          // The inflater may finish before close(): any input still to come is trailing data.
          const w = writing ? await writing : null
          if (w?.kind === 'wrote' && w.last) inputDone = true
          while (!inputDone) {
            if (await next(MAX_PIECE)) throw new ImageDecodeError('Unexpected data after the end of the zlib stream in IDAT')
            inputDone = true
          }
          return
        }
        const value = step.value!
        produced += value.length
        if (value.length) onData(value)
        if (byob) {
          drained = value.length < READ_SIZE
          view = new Uint8Array(value.buffer as ArrayBuffer, 0, READ_SIZE)
        }
        reading = startRead()
      }
    }
  } catch (e) {
    stopTimer()
    // Settle both sides so nothing is left pending or unhandled.
    writing?.catch(() => {})
    reading.catch(() => {})
    writer.abort(e).catch(() => {})
    ;(byob ?? plain)!.cancel(e).catch(() => {})
    if (e instanceof ImageDecodeError) throw e
    throw new ImageDecodeError(`Corrupt zlib data in IDAT: ${e instanceof Error ? e.message : String(e)}`)
  }
}

let strictInflate: boolean | undefined

/**
 * Whether this runtime's DecompressionStream rejects bytes after the end of the zlib stream:
 * workerd does under strict_compression_checks (the default since compatibility date 2023-08-01),
 * Node 20 silently ignores them. Probed once per isolate; only the settled boolean is cached,
 * since workerd must not share a pending promise between requests.
 */
export async function rejectsTrailingData(): Promise<boolean> {
  if (strictInflate === undefined) {
    // zlib stream of empty input, then one stray byte
    const bytes = new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00])
    const ds = new DecompressionStream('deflate')
    const writer = ds.writable.getWriter()
    const reader = ds.readable.getReader()
    const writing = writer.write(bytes).then(() => writer.close())
    writing.catch(() => {})
    try {
      while (!(await reader.read()).done);
      await writing
      strictInflate = false
    } catch {
      strictInflate = true
    }
  }
  return strictInflate
}
