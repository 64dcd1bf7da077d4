/**
 * R2 conventions. Keys double as delivery paths (`/files/{key}`): each carries the variant name,
 * the size and the first 16 hex digits of the content's SHA-256, so a changed file always gets a
 * new URL and every URL can be cached forever. Every object of an image lives under `{imageId}/`,
 * so deleting an image is deleting a prefix. Names and extensions come from the format catalogue.
 */
import { log } from '../lib/log'
import { ORIGINAL, PRESET_NAMES } from '../formats/presets'
import { EXTENSIONS, FORMATS, formatByExtension, type FileExtension, type FormatName } from '../formats/registry'
import type { Store } from '.'

/** Objects are immutable: the key changes whenever the content does. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

const alternatives = (words: readonly string[]) => words.map((w) => w.replace(/[^a-z0-9]/g, '')).join('|')
const KEY = new RegExp(`^([0-9a-f-]{36})\\/(${alternatives([ORIGINAL, ...PRESET_NAMES])})_(\\d{1,5})x(\\d{1,5})_([0-9a-f]{16})\\.(${alternatives(EXTENSIONS)})$`)

export function fileKey(imageId: string, name: string, width: number, height: number, sha256Hex: string, format: FormatName): string {
  return `${imageId}/${name}_${width}x${height}_${sha256Hex.slice(0, 16)}.${FORMATS[format].extension}`
}

export interface ParsedKey {
  imageId: string
  name: string
  width: number
  height: number
  hash: string
  ext: FileExtension
  format: FormatName
}

/** Only well-formed keys reach R2: anything else is a 404 without a storage read. */
export function parseFileKey(key: string): ParsedKey | null {
  const m = KEY.exec(key)
  if (!m) return null
  const ext = m[6] as FileExtension
  return { imageId: m[1]!, name: m[2]!, width: Number(m[3]), height: Number(m[4]), hash: m[5]!, ext, format: formatByExtension(ext)! }
}

/** Where an upload's bytes wait for their content-hashed key. Not a delivery key; swept if left behind. */
export const stagingKey = (imageId: string) => `${imageId}/staging/original`
const STAGING_SUFFIX = stagingKey('')
export const isStagingKey = (key: string) => key.endsWith(STAGING_SUFFIX)

/** Where an original whose bytes fail their checksum is kept for inspection: not a delivery key, so /files answers 404. */
export const quarantineKey = (key: string) => key.replace('/', '/quarantine/')

/** The image id a key of ours starts with; null for anything else in the bucket. */
export const imageIdOfKey = (key: string) => /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//.exec(key)?.[1] ?? null

/** Stores an immutable file; R2 verifies the SHA-256 we computed. */
export async function putFile(
  store: Store,
  key: string,
  body: ReadableStream | Uint8Array,
  file: { sha256: string; format: FormatName; imageId: string; private: boolean },
): Promise<void> {
  await store.bucket.put(key, body, {
    sha256: file.sha256,
    httpMetadata: { contentType: FORMATS[file.format].mimeType, cacheControl: IMMUTABLE },
    // `private` travels with the object, so delivery can refuse an unsigned read without asking D1.
    customMetadata: { sha256: file.sha256, imageId: file.imageId, ...(file.private ? { private: '1' } : {}) },
  })
}

/** Whether a stored object belongs to a private image (only signed URLs may serve it). */
export const isPrivateObject = (object: R2Object) => object.customMetadata?.private === '1'

export const getFile = (store: Store, key: string, range?: { offset: number; length: number }) =>
  store.bucket.get(key, range ? { range } : undefined)

/** Puts a streamed body whose length is known (staging). */
export const putStream = (store: Store, key: string, body: ReadableStream | Uint8Array) => store.bucket.put(key, body)

export const deleteFiles = (store: Store, keys: string | string[]) => store.bucket.delete(keys)

/** Deletes, logging instead of throwing: for leftovers the orphan sweep would remove anyway. */
export async function deleteLeftover(store: Store, keys: string | string[], context: Record<string, unknown>): Promise<void> {
  await store.bucket.delete(keys).catch((err) => log.error('file.left_behind', { ...context, keys, error: String(err) }))
}

/** Deletes every object under `${imageId}/` (original, variants, staging, quarantine); returns their keys. */
export async function deleteImageFiles(store: Store, imageId: string): Promise<string[]> {
  const deleted: string[] = []
  let cursor: string | undefined
  do {
    const listed = await store.bucket.list({ prefix: `${imageId}/`, cursor })
    const keys = listed.objects.map((o) => o.key)
    if (keys.length > 0) await store.bucket.delete(keys)
    deleted.push(...keys)
    cursor = listed.truncated ? listed.cursor : undefined
  } while (cursor)
  return deleted
}

/**
 * Moves an original that failed its checksum out of delivery, keeping it for inspection; a later
 * delivery of the same message finds it there.
 */
export async function quarantine(store: Store, object: R2ObjectBody, bytes: Uint8Array): Promise<void> {
  await store.bucket.put(quarantineKey(object.key), bytes, {
    httpMetadata: object.httpMetadata,
    customMetadata: { ...object.customMetadata, quarantinedAt: new Date().toISOString() },
  })
  await store.bucket.delete(object.key)
}

export const isQuarantined = async (store: Store, key: string) => (await store.bucket.head(quarantineKey(key))) !== null

/** One page of the bucket in key order, for the orphan sweep. */
export async function listFiles(store: Store, limit: number, startAfter: string | null) {
  const listed = await store.bucket.list({ limit, ...(startAfter ? { startAfter } : {}) })
  return { objects: listed.objects.map((o) => ({ key: o.key, uploaded: o.uploaded })), truncated: listed.truncated }
}
