import { ImageDecodeError } from '../errors'

/** Output buffer for BYOB reads; one buffer is handed back and forth for the whole image. */
const READ_SIZE = 64 * 1024

type Step =
  | { kind: 'read'; done: boolean; value: Uint8Array | undefined }
  | { kind: 'wrote'; last: boolean }
  | { kind: 'idle' }

/**
 * Inflates a zlib stream with the platform's DecompressionStream, pulling compressed pieces from
 * `next` (null = end of input) and pushing inflated bytes to `onData` as they come.
 *
 * Flow control. Node's DecompressionStream has backpressure, but workerd's has none: each write
 * inflates its whole input into an internal buffer at once, so writing ahead of the reader would
 * buffer the entire decoded image. So exactly one read is always pending, at most one write is in
 * flight, and (where the readable supports BYOB reads, i.e. workerd) a new piece is written only
 * once a read came back shorter than its buffer, which there means the inflated output was drained.
 * Buffered output is then bounded by what one piece inflates to. BYOB also lets one 64 KiB buffer
 * be reused for every read. If a read came back exactly full and nothing more arrives, the drained
 * state is unknowable; a zero-delay timer breaks that rare tie instead of deadlocking.
 */
export async function inflateStream(
  next: () => Promise<Uint8Array | null>,
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
  const startWrite = async (): Promise<Step> => {
    const piece = await next()
    if (piece) await writer.write(piece)
    else await writer.close()
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
      if (!writing && !inputDone && (drained || !byob)) {
        writing = startWrite()
        drained = false
      }
      const racers: Promise<Step>[] = writing ? [reading, writing] : [reading]
      if (byob && !drained && !writing && !inputDone) {
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
            if (await next()) throw new ImageDecodeError('Unexpected data after the end of the zlib stream in IDAT')
            inputDone = true
          }
          return
        }
        const value = step.value!
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
