/**
 * R2 keys double as delivery paths (`/files/{key}`). Each carries the size and
 * the first 16 hex digits of the content's SHA-256, so a changed file always
 * gets a new URL and every URL can be cached forever.
 */
export type FileExtension = 'jpg' | 'png'

const KEY = /^([0-9a-f-]{36})\/(original|large|medium|thumb)_(\d{1,5})x(\d{1,5})_([0-9a-f]{16})\.(jpg|png)$/

export function fileKey(imageId: string, name: string, width: number, height: number, sha256Hex: string, ext: FileExtension) {
  return `${imageId}/${name}_${width}x${height}_${sha256Hex.slice(0, 16)}.${ext}`
}

export interface ParsedKey {
  imageId: string
  name: string
  width: number
  height: number
  hash: string
  ext: FileExtension
}

/** Only well-formed keys reach R2: anything else is a 404 without a storage read. */
export function parseFileKey(key: string): ParsedKey | null {
  const m = KEY.exec(key)
  if (!m) return null
  return { imageId: m[1]!, name: m[2]!, width: Number(m[3]), height: Number(m[4]), hash: m[5]!, ext: m[6] as FileExtension }
}

export const contentTypeFor = (ext: FileExtension) => (ext === 'jpg' ? 'image/jpeg' : 'image/png')
export const extensionFor = (format: 'jpeg' | 'png'): FileExtension => (format === 'jpeg' ? 'jpg' : 'png')
