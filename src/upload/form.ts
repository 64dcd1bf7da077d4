import { ProblemError } from '../lib/problem'
import { MultipartError, MultipartReader, multipartBoundary } from './multipart'
import { sniffImage } from '../formats/sniff'

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024
/**
 * At most this much of the file is held back for the header sniffer before
 * anything is stored (less once the header is complete): enough for a JPEG's
 * EXIF and ICC segments before its frame header, and a PNG's chunks before IDAT.
 */
export const SNIFF_PREFIX_BYTES = 256 * 1024
/** A text field is small (a name cut to 255 characters, 1 KB of metadata): more than this is read past, not kept. */
const MAX_FIELD_BYTES = 2 * 1024

/** The text fields an upload form may carry next to `file`, before or after it; others are read past. */
export const TEXT_FIELDS = ['fileName', 'metadata', 'private'] as const
export type TextField = (typeof TEXT_FIELDS)[number]
/** A text field's value, and whether it was longer than MAX_FIELD_BYTES (then cut). */
export interface FieldValue {
  value: string
  truncated: boolean
}

/**
 * An upload form being read: the fields before `file`, the first bytes of
 * the file, and the rest of it as it arrives. Nothing is stored yet.
 */
export interface UploadForm {
  /** The file's first bytes (all of it when `complete`). */
  head: Uint8Array
  complete: boolean
  /**
   * The most bytes the file can have, from Content-Length (the body must still
   * hold at least the close delimiter after it); null without a Content-Length.
   */
  maxLength: number | null
  /** The file's data after `head`, then the fields after the file; every byte counted against the cap. */
  rest(): AsyncGenerator<Uint8Array, void, undefined>
  /** The display name, from a fileName field (before or after the file) or the part's filename; read `rest()` first. */
  fileName(): string | null
  /** A text field (before or after the file), null if absent; read `rest()` first. */
  field(name: Exclude<TextField, 'fileName'>): FieldValue | null
  /** Calls `see` with every byte of the file, in order, as it is read (the head at once). */
  tap(see: (chunk: Uint8Array) => void): void
  /** Stops reading the body (a refused upload). */
  cancel(): Promise<void>
  /**
   * Reads past the rest of a refused file without keeping it, so that a file
   * over the size cap is a 413 whatever else is wrong with it; gives back the problem to throw.
   */
  refuse(problem: ProblemError): Promise<ProblemError>
}

const tooLarge = (maxFileBytes: number) =>
  new ProblemError(413, 'payload-too-large', `The file is larger than the limit of ${formatBytes(maxFileBytes)}.`)

const formatBytes = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MB` : `${n} bytes`)

const badForm = (detail = 'The multipart body could not be parsed.') => new ProblemError(400, 'bad-request', detail)

/** Control characters and path separators: a file name is a label, never a path. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\]/g
const MAX_FILE_NAME = 255

export function cleanFileName(raw: string | null | undefined): string | null {
  if (!raw) return null
  const cleaned = Array.from(raw.normalize('NFC').replace(UNSAFE, '_').trim()).slice(0, MAX_FILE_NAME).join('')
  return cleaned.length > 0 && cleaned !== '.' && cleaned !== '..' ? cleaned : null
}

/**
 * `chunk` after the first `used` bytes of `buf`: a buffer of our own, grown by
 * doubling (`buf` may be the caller's first chunk, which is never written to).
 */
function append(buf: Uint8Array, used: number, chunk: Uint8Array, owned: boolean): Uint8Array {
  let out = buf
  if (!owned || used + chunk.byteLength > buf.byteLength) {
    out = new Uint8Array(Math.max(used + chunk.byteLength, 2 * used))
    out.set(buf.subarray(0, used))
  }
  out.set(chunk, used)
  return out
}

/**
 * Whether the sniffer's answer on these first bytes is final: a type refused from
 * its magic bytes, a JPEG frame header (EXIF comes before it), or a PNG's chunks
 * up to the image data (eXIf must come before it).
 */
export function headerComplete(b: Uint8Array): boolean {
  if (b.length < 8) return false
  const sniffed = sniffImage(b)
  // Unsupported is known at once; an unreadable header may still become readable with more bytes.
  return sniffed.ok ? sniffed.complete : sniffed.reason === 'unsupported'
}

/** Parser errors become 400s; our own problems (413) pass through. */
async function parsing<T>(step: Promise<T>): Promise<T> {
  try {
    return await step
  } catch (err) {
    if (err instanceof MultipartError) throw badForm(`The multipart body could not be parsed: ${err.message}`)
    if (err instanceof ProblemError) throw err
    throw badForm()
  }
}

async function readField(reader: MultipartReader): Promise<FieldValue> {
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  for (let c = await parsing(reader.readChunk()); c; c = await parsing(reader.readChunk())) {
    const kept = c.subarray(0, MAX_FIELD_BYTES - size)
    if (kept.byteLength < c.byteLength) truncated = true
    size += kept.byteLength
    if (kept.byteLength > 0) chunks.push(kept.slice())
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return { value: new TextDecoder().decode(all), truncated }
}

const isTextField = (name: string | null): name is TextField => (TEXT_FIELDS as readonly (string | null)[]).includes(name)

/**
 * Reads the form up to the file part and the file's first bytes; the rest is
 * left in the body for `rest()`, so a whole file is never buffered.
 */
export async function openUploadForm(req: Request, maxFileBytes: number): Promise<UploadForm> {
  const type = req.headers.get('content-type') ?? ''
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ProblemError(415, 'unsupported-media-type', 'Send the image as multipart/form-data with a `file` field.')
  }
  const boundary = multipartBoundary(type)
  if (!boundary) throw badForm('The multipart Content-Type has no valid boundary.')
  const limit = maxFileBytes + MULTIPART_OVERHEAD
  const declaredHeader = req.headers.get('content-length')
  const declared = declaredHeader === null ? null : Number(declaredHeader)
  if (declared !== null && declared > limit) throw tooLarge(maxFileBytes)
  if (!req.body) throw badForm('The `file` field is missing.')
  const reader = new MultipartReader(req.body, boundary, { maxBodyBytes: limit, tooLarge: () => tooLarge(maxFileBytes) })

  const fields = new Map<TextField, FieldValue>()
  let part = await parsing(reader.nextPart())
  for (; part && part.name !== 'file'; part = await parsing(reader.nextPart())) {
    const value = await readField(reader)
    if (isTextField(part.name)) fields.set(part.name, value)
  }
  if (!part) throw badForm('The `file` field is missing.')
  if (part.filename === null) throw badForm('The `file` field must be a file, not text.')
  const partName = part.filename
  const maxLength = declared !== null && Number.isSafeInteger(declared) ? Math.max(0, Math.min(declared - reader.offset - reader.closeLength, maxFileBytes)) : null

  // Hold back the first bytes for the sniffer, no more than it needs.
  let head: Uint8Array = new Uint8Array(0)
  let owned = false
  let heldBytes = 0
  let complete = false
  while (heldBytes < SNIFF_PREFIX_BYTES) {
    const chunk = await parsing(reader.readChunk())
    if (!chunk) {
      complete = true
      break
    }
    if (heldBytes + chunk.byteLength > maxFileBytes) throw tooLarge(maxFileBytes)
    // The first chunk is used as it is; only a header spread over several is joined.
    if (heldBytes === 0) head = chunk
    else {
      head = append(head, heldBytes, chunk, owned)
      owned = true
    }
    heldBytes += chunk.byteLength
    if (headerComplete(head.subarray(0, heldBytes))) break
  }
  head = head.subarray(0, heldBytes)
  if (heldBytes === 0) throw new ProblemError(422, 'unprocessable-image', 'The file is empty.')

  let restRead = false
  const taps: ((chunk: Uint8Array) => void)[] = []
  async function* rest(): AsyncGenerator<Uint8Array, void, undefined> {
    let size = heldBytes
    if (!complete) {
      for (let c = await parsing(reader.readChunk()); c; c = await parsing(reader.readChunk())) {
        size += c.byteLength
        if (size > maxFileBytes) throw tooLarge(maxFileBytes)
        for (const see of taps) see(c)
        yield c
      }
    }
    // The fields after the file: a second file is refused, the text fields are kept.
    for (let p = await parsing(reader.nextPart()); p; p = await parsing(reader.nextPart())) {
      if (p.name === 'file') throw badForm('Send exactly one `file` per upload.')
      const value = await readField(reader)
      if (isTextField(p.name)) fields.set(p.name, value)
    }
    restRead = true
  }
  return {
    head,
    complete,
    maxLength,
    rest,
    fileName() {
      if (!restRead) throw new Error('fileName() before the form was read')
      return cleanFileName(fields.get('fileName')?.value ?? partName)
    },
    field(name) {
      if (!restRead) throw new Error('field() before the form was read')
      return fields.get(name) ?? null
    },
    tap(see) {
      see(head)
      taps.push(see)
    },
    cancel: () => reader.cancel(),
    async refuse(problem) {
      try {
        for await (const _ of rest());
      } catch (err) {
        if (err instanceof ProblemError && err.status === 413) throw err
      } finally {
        await reader.cancel()
      }
      return problem
    },
  }
}
