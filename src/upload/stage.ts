/**
 * Streams an upload's file into R2 under a staging key while hashing it, so
 * the API never holds the whole file. The staging object is then copied
 * (R2 to R2, streamed) to its content-hashed key once the hash is known:
 * R2 has no rename, and a streamed put needs its length up front.
 */
import { hex } from '../lib/crypto'
import { log } from '../lib/log'
import { ProblemError } from '../lib/problem'
import type { Store } from '../store'
import { deleteFiles, deleteLeftover, putStream, stagingKey } from '../store/files'
import type { UploadForm } from './form'

export interface StagedUpload {
  imageId: string
  /** Where the bytes are until they get their content-hashed key. */
  key: string
  sha256: string
  /** The file's length (the staging object may be longer: zero padding after it). */
  bytes: number
  /** Set once the staging object has been deleted (or handed to someone who deletes it). */
  released: boolean
}

const ZEROS = new Uint8Array(64 * 1024)
const BATCH = 64 * 1024

const unavailable = () => new ProblemError(503, 'unavailable', 'The image could not be stored. Please retry.', { 'retry-after': '5' })

/**
 * With a Content-Length the file streams into R2 under a FixedLengthStream of
 * the most the file can be (`maxLength`); bytes the file turns out not to
 * have (the close delimiter's CRLF, fields after it) are padded with zeros and
 * left out of the copy. Without one, the file (capped) is buffered: the rare case.
 */
export async function stageUpload(store: Store, imageId: string, form: UploadForm): Promise<StagedUpload> {
  const key = stagingKey(imageId)
  const digest = new crypto.DigestStream('SHA-256')
  const hashing = digest.getWriter()
  // Rejected when a refusal aborts the hashing; read only on success.
  digest.digest.catch(() => {})
  hashing.closed.catch(() => {})
  let size = 0
  try {
    if (form.maxLength === null) {
      const chunks: Uint8Array[] = [form.head]
      size = form.head.byteLength
      for await (const chunk of form.rest()) {
        chunks.push(chunk.slice())
        size += chunk.byteLength
      }
      const all = new Uint8Array(size)
      let at = 0
      for (const c of chunks) {
        all.set(c, at)
        at += c.byteLength
      }
      await hashing.write(all)
      await hashing.close()
      await putStream(store, key, all).catch((err) => failed(imageId, err))
    } else {
      const length = form.maxLength
      const fixed = new FixedLengthStream(length)
      const writer = fixed.writable.getWriter()
      writer.closed.catch(() => {})
      const put = putStream(store, key, fixed.readable)
      // A failing put aborts the stream, which rejects our pending write (it would wait for a reader forever).
      // (Not a Promise.race per write: each would leave a reaction on a promise that lives as long as the upload.)
      let putError: unknown
      const putDone = put.then(
        () => {},
        (err) => {
          putError = err
          writer.abort(err).catch(() => {})
        },
      )
      // Request bodies arrive in chunks of a few KB: gathered into pieces of BATCH bytes, the
      // per-chunk cost of hashing and writing (a few promises each) is paid 16 times less often.
      // One piece per upload, reused: a write's promise settles once the bytes are consumed
      // (digested; read by the put), so the piece is free again after both (the bench and the
      // tests compare stored originals byte for byte).
      const piece = new Uint8Array(BATCH)
      let filled = 0
      const send = async (bytes: Uint8Array) => {
        await hashing.write(bytes)
        await writer.write(bytes)
      }
      const flush = async () => {
        if (filled === 0) return
        const full = piece.subarray(0, filled)
        filled = 0
        await send(full)
      }
      const write = async (chunk: Uint8Array) => {
        if (size + chunk.byteLength > length) throw new ProblemError(400, 'bad-request', 'The multipart body is longer than its Content-Length.')
        size += chunk.byteLength
        if (filled + chunk.byteLength > BATCH) await flush()
        if (chunk.byteLength >= BATCH) return send(chunk)
        piece.set(chunk, filled)
        filled += chunk.byteLength
      }
      try {
        await write(form.head)
        for await (const chunk of form.rest()) await write(chunk)
        await flush()
        await hashing.close()
        for (let pad = length - size; pad > 0; pad -= ZEROS.byteLength) await writer.write(ZEROS.subarray(0, Math.min(pad, ZEROS.byteLength)))
        await writer.close()
      } catch (err) {
        await writer.abort(err).catch(() => {})
        await putDone
        if (putError !== undefined && !(err instanceof ProblemError)) failed(imageId, putError)
        throw err
      }
      await putDone
      if (putError !== undefined) failed(imageId, putError)
    }
  } catch (err) {
    await form.cancel()
    await hashing.abort(err).catch(() => {})
    // An aborted streamed put stores nothing; this covers a put that finished before a later refusal.
    await deleteFiles(store, key).catch(() => {})
    throw err
  }
  return { imageId, key, sha256: hex(await digest.digest), bytes: size, released: false }
}

function failed(imageId: string, err: unknown): never {
  log.error('upload.r2_put_failed', { imageId, error: String(err) })
  throw unavailable()
}

/** Deletes the staging object (best effort: the orphan sweep and image deletes cover a leftover). */
export async function releaseStaged(store: Store, staged: StagedUpload): Promise<void> {
  if (staged.released) return
  staged.released = true
  await deleteLeftover(store, staged.key, { imageId: staged.imageId })
}
