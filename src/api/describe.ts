/**
 * An image's metadata as this request (or a webhook event) should see it: URLs on the service's
 * base and, for a private image, signed with the current key for the configured lifetime. Signing
 * is async (WebCrypto), so the paths are collected in a first pass over the pure `toMetadata` and
 * signed all at once.
 */
import type { Context } from 'hono'
import type { Config } from '../lib/config'
import { expiryFor, signedPath } from '../lib/signature'
import type { ImageWithVariants } from '../store/d1/images'
import { baseUrl } from './base-url'
import type { AppEnv } from './env'
import { toMetadata, type Audience, type ImageMetadata } from './metadata'

export const describeImage = (c: Context<AppEnv>, found: ImageWithVariants, audience: Audience) => describe(found, audience, baseUrl(c), c.get('config'))

/** The same without a request: URLs on `base` (a webhook endpoint's, see webhook-delivery.ts). */
export async function describe(found: ImageWithVariants, audience: Audience, base: string, config: Pick<Config, 'signingKeys' | 'signedUrlSeconds'>): Promise<ImageMetadata> {
  if (!found.image.private) return toMetadata(found, { url: (path) => base + path, expiresAt: null }, audience)
  const { signingKeys, signedUrlSeconds } = config
  const exp = expiryFor(Date.now(), signedUrlSeconds)
  const paths = new Set<string>()
  toMetadata(found, { url: (path) => (paths.add(path), path), expiresAt: null }, audience)
  const signed = new Map(await Promise.all([...paths].map(async (path) => [path, await signedPath(path, exp, signingKeys)] as const)))
  return toMetadata(found, { url: (path) => base + signed.get(path)!, expiresAt: exp * 1000 }, audience)
}
