import { ImageDecodeError } from '../errors'

const EMPTY = new Uint8Array(0)

/**
 * Reads a byte source (one array or a stream of chunks) front to back without ever joining it:
 * `readSome` hands out views into the current chunk, `readExact` copies only when a small read
 * straddles two chunks.
 */
export class ByteReader {
  private buf: Uint8Array = EMPTY
  private pos = 0
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null

  constructor(source: Uint8Array | ReadableStream<Uint8Array>) {
    if (source instanceof Uint8Array) this.buf = source
    else {
      try {
        this.reader = source.getReader()
      } catch (e) {
        throw new ImageDecodeError(`PNG source stream cannot be read: ${String(e)}`)
      }
    }
  }

  /** Make at least one unread byte available; false at the end of the input. */
  private async fill(): Promise<boolean> {
    while (this.pos >= this.buf.length) {
      if (!this.reader) return false
      let r: ReadableStreamReadResult<Uint8Array>
      try {
        r = await this.reader.read()
      } catch (e) {
        throw new ImageDecodeError(`Reading the PNG stream failed: ${String(e)}`)
      }
      if (r.done) {
        this.reader = null
        return false
      }
      this.buf = toBytes(r.value)
      this.pos = 0
    }
    return true
  }

  /** True once the whole input has been read. */
  get exhausted(): boolean {
    return this.reader === null && this.pos >= this.buf.length
  }

  /** Up to `max` (>= 1) bytes as a view into the source; throws at the end of the input. */
  async readSome(max: number): Promise<Uint8Array> {
    if (this.pos >= this.buf.length && !(await this.fill())) throw truncated()
    const n = Math.min(max, this.buf.length - this.pos)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /**
   * Up to `max` bytes already in hand, as a view, without awaiting (empty when a read would be
   * needed): the IDAT reader walks many small chunks of an in-memory file with no promise per chunk.
   */
  takeBuffered(max: number): Uint8Array {
    const n = Math.min(max, this.buf.length - this.pos)
    if (n <= 0) return EMPTY
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Exactly `n` bytes when already in hand in one piece, else null (then await readExact). */
  takeExact(n: number): Uint8Array | null {
    if (this.buf.length - this.pos < n) return null
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Exactly `n` bytes (meant for small reads: headers, CRCs, small chunks). */
  async readExact(n: number): Promise<Uint8Array> {
    if (this.buf.length - this.pos >= n) {
      const out = this.buf.subarray(this.pos, this.pos + n)
      this.pos += n
      return out
    }
    const out = new Uint8Array(n)
    for (let got = 0; got < n; ) {
      const part = await this.readSome(n - got)
      out.set(part, got)
      got += part.length
    }
    return out
  }

  /** Stop reading: releases a stream source (the rest, e.g. bytes after IEND, is not needed). */
  close(reason?: unknown): void {
    const r = this.reader
    this.reader = null
    this.buf = EMPTY
    this.pos = 0
    if (r) r.cancel(reason).catch(() => {})
  }
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  if (v instanceof ArrayBuffer) return new Uint8Array(v)
  throw new ImageDecodeError('The PNG stream yielded a chunk that is not bytes')
}

function truncated(): ImageDecodeError {
  return new ImageDecodeError('Truncated PNG: the file ends before IEND')
}
