import { ProblemError } from '../lib/problem'

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024

export interface UploadForm {
  bytes: Uint8Array
  fileName: string | null
}

/**
 * Reads the request body, refusing it as soon as it passes the limit: a
 * false or missing Content-Length never makes us buffer more than that.
 */
async function readLimited(req: Request, maxFileBytes: number): Promise<Uint8Array> {
  const limit = maxFileBytes + MULTIPART_OVERHEAD
  const declared = Number(req.headers.get('content-length'))
  if (declared > limit) throw tooLarge(maxFileBytes)
  if (!req.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = req.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge(maxFileBytes)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

const tooLarge = (maxFileBytes: number) =>
  new ProblemError(413, 'payload-too-large', `The file is larger than the limit of ${formatBytes(maxFileBytes)}.`)

const formatBytes = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MB` : `${n} bytes`)

/** Control characters and path separators: a file name is a label, never a path. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\]/g
const MAX_FILE_NAME = 255

export function cleanFileName(raw: string | null | undefined): string | null {
  if (!raw) return null
  const cleaned = Array.from(raw.normalize('NFC').replace(UNSAFE, '_').trim()).slice(0, MAX_FILE_NAME).join('')
  return cleaned.length > 0 && cleaned !== '.' && cleaned !== '..' ? cleaned : null
}

export async function readUploadForm(req: Request, maxFileBytes: number): Promise<UploadForm> {
  const type = req.headers.get('content-type') ?? ''
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new ProblemError(415, 'unsupported-media-type', 'Send the image as multipart/form-data with a `file` field.')
  }
  const body = await readLimited(req, maxFileBytes)
  let form: FormData
  try {
    form = await new Response(body, { headers: { 'content-type': type } }).formData()
  } catch {
    throw new ProblemError(400, 'bad-request', 'The multipart body could not be parsed.')
  }
  const files = form.getAll('file')
  if (files.length === 0) throw new ProblemError(400, 'bad-request', 'The `file` field is missing.')
  if (files.length > 1) throw new ProblemError(400, 'bad-request', 'Send exactly one `file` per upload.')
  const file = files[0]!
  if (typeof file === 'string') throw new ProblemError(400, 'bad-request', 'The `file` field must be a file, not text.')
  if (file.size > maxFileBytes) throw tooLarge(maxFileBytes)
  if (file.size === 0) throw new ProblemError(422, 'unprocessable-image', 'The file is empty.')
  const named = form.get('fileName')
  const fileName = cleanFileName(typeof named === 'string' ? named : file.name)
  return { bytes: new Uint8Array(await file.arrayBuffer()), fileName }
}
