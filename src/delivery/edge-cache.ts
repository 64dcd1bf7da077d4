/**
 * Files through the edge cache: a hit never touches R2; a miss reads R2 once and fills the cache.
 * The cache key is the file's public URL, so one origin's entry serves every later request there.
 */
import type { Store } from '../store'
import { decisionUrls } from './negotiate'
import { getFile, IMMUTABLE, isPrivateObject } from '../store/files'

/** Headers every file answer carries; `nosniff` and the CSP keep a crafted upload from acting as a page. */
export const FILE_HEADERS = {
  'cache-control': IMMUTABLE,
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'accept-ranges': 'bytes',
}

/**
 * How a request may read files: `public` (a plain URL) or `signed` (its signature was checked
 * before this). A private image's files are cached only under the signed entry, whose key has no
 * signature in it, so every valid signature shares one entry and a plain URL can never hit it.
 */
export type FileAccess = 'public' | 'signed'

const cacheUrl = (origin: string, key: string, access: FileAccess) => `${origin}/files/${key}${access === 'signed' ? '?signed' : ''}`

/**
 * The full 200 answer for a key, from the edge cache or else from R2 (then cached); null if there is
 * no such file; `private` if it is a private image's and the access is public.
 */
export async function cachedFile(
  store: Store,
  origin: string,
  key: string,
  contentType: string,
  waitUntil: (p: Promise<unknown>) => void,
  access: FileAccess = 'public',
): Promise<Response | null | 'private'> {
  const cache = caches.default
  const cacheKey = new Request(cacheUrl(origin, key, access), { method: 'GET' })
  const hit = await cache.match(cacheKey)
  if (hit) return hit
  const object = await getFile(store, key)
  if (!object) return null
  if (access === 'public' && isPrivateObject(object)) {
    await object.body.cancel()
    return 'private'
  }
  const res = new Response(object.body, {
    headers: { ...FILE_HEADERS, 'content-type': contentType, etag: object.httpEtag, 'content-length': String(object.size) },
  })
  waitUntil(cache.put(cacheKey, res.clone()))
  return res
}

/**
 * The cached files (and, given the image, its negotiated URLs' choices). Best effort: the Cache API is per data centre, so this only clears the local copy; elsewhere a
 * deleted file may be served until its cache entry is evicted (purge by URL through the
 * Cloudflare API for that).
 */
export async function purgeCachedFiles(keys: string[], origins: string[], imageId?: string): Promise<void> {
  const urls = new Set([...keys.flatMap((key) => origins.flatMap((o) => [cacheUrl(o, key, 'public'), cacheUrl(o, key, 'signed')])), ...(imageId ? origins.flatMap((o) => decisionUrls(o, imageId)) : [])])
  await Promise.all([...urls].map((url) => caches.default.delete(new Request(url, { method: 'GET' })).catch(() => false)))
}
