/**
 * A streaming multipart/form-data reader (RFC 7578 / RFC 2046): parts come
 * one at a time and a part's body can be read chunk by chunk, so a file never
 * has to be in memory whole. Pure logic over a Web ReadableStream.
 *
 * Every input is bounded: part headers, the number of parts and the bytes
 * held between reads (at most one input chunk plus a delimiter's length).
 */

export class MultipartError extends Error {}

export interface PartHeaders {
  /** The `name` of Content-Disposition. */
  name: string
  /** The `filename`, or null for a text field. */
  filename: string | null
  contentType: string | null
}

export interface MultipartLimits {
  /** Header block of one part. */
  maxHeaderBytes: number
  maxParts: number
  /** The whole body; past it the body is cancelled and `tooLarge()` thrown (a false Content-Length included). */
  maxBodyBytes: number
  tooLarge: () => Error
}

const DEFAULT_LIMITS: MultipartLimits = {
  maxHeaderBytes: 8 * 1024,
  maxParts: 16,
  maxBodyBytes: Number.MAX_SAFE_INTEGER,
  tooLarge: () => new MultipartError('The body is too large.'),
}
const CR = 0x0d
const LF = 0x0a
const DASH = 0x2d

/** The boundary parameter of a multipart/form-data Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return null
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]
  return boundary && /^[\x20-\x7e]+$/.test(boundary) && !boundary.endsWith(' ') ? boundary : null
}

export class MultipartReader {
  /** Unread bytes; `buf[start..]` is what comes next. */
  private buf: Uint8Array = new Uint8Array(0)
  private start = 0
  private done = false
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>
  private readonly delimiter: Uint8Array
  private readonly limits: MultipartLimits
  private parts = 0
  private received = 0
  /** 'body': inside a part (or the preamble); 'next': just after a delimiter; 'end': after the close delimiter. */
  private state: 'body' | 'next' | 'end' = 'body'
  /** Bytes of the real body consumed so far (the virtual leading CRLF not counted). */
  private consumed = -2

  constructor(body: ReadableStream<Uint8Array>, boundary: string, limits: Partial<MultipartLimits> = {}) {
    this.reader = body.getReader()
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`)
    this.limits = { ...DEFAULT_LIMITS, ...limits }
    // A virtual CRLF lets the first delimiter (which has none) match like the others.
    this.buf = new Uint8Array([CR, LF])
  }

  /** Offset in the body of the next unread byte. */
  get offset(): number {
    return this.consumed
  }

  /** Length of the close delimiter `CRLF--boundary--`: the least that can follow a part's data. */
  get closeLength(): number {
    return this.delimiter.length + 2
  }

  /** The next part's headers, skipping whatever is left of the current part; null after the last part. */
  async nextPart(): Promise<PartHeaders | null> {
    while (this.state === 'body') {
      if ((await this.readChunk()) === null && this.state === 'body') throw new MultipartError('The multipart body ends inside a part.')
    }
    if (this.state === 'end') return null
    // After a delimiter: `--` closes, otherwise optional whitespace then CRLF.
    await this.fill(2)
    if (this.available() >= 2 && this.buf[this.start] === DASH && this.buf[this.start + 1] === DASH) {
      this.state = 'end'
      await this.discardRest()
      return null
    }
    if (++this.parts > this.limits.maxParts) throw new MultipartError(`The form has more than ${this.limits.maxParts} parts.`)
    const block = await this.readHeaderBlock()
    this.state = 'body'
    return parseHeaders(block)
  }

  /** The next chunk of the current part's data; null at its end. */
  async readChunk(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.state !== 'body') return null
      const at = this.indexOfDelimiter()
      if (at >= 0) {
        const data = this.take(at - this.start)
        this.skip(this.delimiter.length)
        this.state = 'next'
        if (data.length > 0) return data
        return null
      }
      // Keep a tail that could be the start of a delimiter split across chunks.
      const safe = this.available() - (this.delimiter.length - 1)
      if (safe > 0) return this.take(safe)
      const tail = await this.bridge()
      if (tail) return tail
    }
  }

  /**
   * Moves on to the next input chunk without copying it: only the short tail
   * and the chunk's first bytes are joined to look for a delimiter across the
   * seam. Gives back the tail when it is data; null when it may begin a
   * delimiter (then tail and chunk are joined, as pull() does).
   */
  private async bridge(): Promise<Uint8Array | null> {
    const tail = this.buf.subarray(this.start)
    if (this.done) throw new MultipartError('The multipart body ends inside a part.')
    const { done, value } = await this.reader.read()
    if (done) {
      this.done = true
      throw new MultipartError('The multipart body ends inside a part.')
    }
    this.count(value.byteLength)
    const seam = new Uint8Array(tail.length + Math.min(value.length, this.delimiter.length))
    seam.set(tail)
    seam.set(value.subarray(0, seam.length - tail.length), tail.length)
    if (value.length >= this.delimiter.length && indexOf(seam, this.delimiter, 0) < 0) {
      this.buf = value
      this.start = 0
      this.consumed += tail.length
      return tail.length > 0 ? tail : null
    }
    const merged = new Uint8Array(tail.length + value.byteLength)
    merged.set(tail)
    merged.set(value, tail.length)
    this.buf = merged
    this.start = 0
    return null
  }

  private count(n: number) {
    this.received += n
    if (this.received > this.limits.maxBodyBytes) {
      this.done = true
      void this.cancel()
      throw this.limits.tooLarge()
    }
  }

  /** Stops reading the body (on refusal). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {})
  }

  private async readHeaderBlock(): Promise<string> {
    // Transport padding (spaces/tabs) may precede the CRLF after a delimiter.
    for (;;) {
      const end = this.indexOf([CR, LF, CR, LF])
      const firstLine = this.indexOf([CR, LF])
      if (firstLine >= 0 && end >= 0) {
        const raw = this.take(end + 4 - this.start)
        const text = new TextDecoder().decode(raw)
        const nl = text.indexOf('\r\n')
        if (!/^[ \t]*$/.test(text.slice(0, nl))) throw new MultipartError('The multipart delimiter is followed by garbage.')
        return text.slice(nl + 2, -4)
      }
      if (this.available() > this.limits.maxHeaderBytes) throw new MultipartError('A part\'s headers are too long.')
      if (!(await this.pull())) throw new MultipartError('The multipart body ends inside part headers.')
    }
  }

  private available() {
    return this.buf.length - this.start
  }

  private take(n: number): Uint8Array {
    const out = this.buf.subarray(this.start, this.start + n)
    this.skip(n)
    return out
  }

  private skip(n: number) {
    this.start += n
    this.consumed += n
  }

  private async fill(n: number) {
    while (this.available() < n && (await this.pull()));
  }

  private async discardRest() {
    this.skip(this.available())
    while (await this.pull()) this.skip(this.available())
  }

  /** Appends the next input chunk to the unread tail; false at the end of the body. */
  private async pull(): Promise<boolean> {
    if (this.done) return false
    const { done, value } = await this.reader.read()
    if (done) {
      this.done = true
      return false
    }
    if (value.byteLength === 0) return true
    this.count(value.byteLength)
    const rest = this.available()
    if (rest === 0) {
      this.buf = value
    } else {
      // Only a short tail is copied along with the chunk (bounded by the header cap or a delimiter).
      const merged = new Uint8Array(rest + value.byteLength)
      merged.set(this.buf.subarray(this.start))
      merged.set(value, rest)
      this.buf = merged
    }
    this.start = 0
    return true
  }

  private indexOfDelimiter(): number {
    return this.indexOf(this.delimiter)
  }

  private indexOf(needle: ArrayLike<number>): number {
    return indexOf(this.buf, needle, this.start)
  }
}

function indexOf(b: Uint8Array, needle: ArrayLike<number>, from: number): number {
  const first = needle[0]!
  const last = b.length - needle.length
  let i = from
  while (i <= last) {
    i = b.indexOf(first, i)
    if (i < 0 || i > last) return -1
    let j = 1
    while (j < needle.length && b[i + j] === needle[j]) j++
    if (j === needle.length) return i
    i++
  }
  return -1
}

function parseHeaders(block: string): PartHeaders {
  let disposition: string | null = null
  let contentType: string | null = null
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MultipartError('A part header line is malformed.')
    const field = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (field === 'content-disposition') disposition = value
    else if (field === 'content-type') contentType = value
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError('A part has no form-data Content-Disposition.')
  const name = param(disposition, 'name')
  if (name === null) throw new MultipartError('A part has no name.')
  return { name, filename: param(disposition, 'filename'), contentType }
}

/** A Content-Disposition parameter, quoted (with backslash escapes) or bare. */
function param(value: string, key: string): string | null {
  const re = new RegExp(`;\\s*${key}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i')
  const m = re.exec(value)
  if (!m) return null
  return m[1] ?? m[2] ?? ''
}
