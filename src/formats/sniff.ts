/**
 * What an uploaded file is, read from its bytes alone: the client's Content-Type and file name are
 * never trusted. The first format of the catalogue whose magic bytes match reads the header.
 */
import type { SniffResult } from './header'
import { FORMAT_LIST } from './registry'

export function sniffImage(bytes: Uint8Array): SniffResult {
  for (const format of FORMAT_LIST) {
    const upload = format.upload
    if (upload && bytes.length >= upload.magic.length && upload.magic.every((b, i) => bytes[i] === b)) return upload.sniff(bytes)
  }
  const accepted = FORMAT_LIST.filter((f) => f.upload).map((f) => f.name.toUpperCase())
  return { ok: false, reason: 'unsupported', detail: `Only ${accepted.join(' and ')} images are accepted.` }
}
