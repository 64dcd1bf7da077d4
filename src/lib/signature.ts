/**
 * Signed URLs for private images: `?exp=<unix seconds>&sig=<base64url HMAC-SHA256>` over the path
 * and the expiry. Two keys at once, so a key can be rotated without breaking URLs already handed
 * out: new URLs are signed with the current key, and either key verifies until the previous one is
 * dropped (after the longest URL lifetime). Pure: the keys come from the caller's config.
 */
import { fromBase64urlBytes, toBase64urlBytes } from './crypto'

export interface SigningKeys {
  current: string
  /** The key before the last rotation, still accepted; null when there is none. */
  previous: string | null
}

export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'expired' | 'invalid'

const imported = new Map<string, Promise<CryptoKey>>()
const hmacKey = (secret: string) => {
  let key = imported.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    imported.set(secret, key)
  }
  return key
}

/** What is signed: the path (never the host, so one URL works through any of the service's names) and the expiry. */
const payload = (path: string, exp: number) => new TextEncoder().encode(`${path}\n${exp}`)

export async function sign(path: string, exp: number, secret: string): Promise<string> {
  return toBase64urlBytes(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), payload(path, exp))))
}

/**
 * The expiry for a URL made now that lives at least `lifetimeSeconds`: rounded up to a step of a
 * tenth of the lifetime (at most 5 minutes), so metadata read twice in a row gives the same URLs
 * and a browser's cache keeps working.
 */
export function expiryFor(nowMs: number, lifetimeSeconds: number): number {
  const step = Math.max(1, Math.min(300, Math.floor(lifetimeSeconds / 10)))
  return Math.ceil((Math.floor(nowMs / 1000) + lifetimeSeconds) / step) * step
}

/** `path?exp=…&sig=…` signed with the current key. */
export async function signedPath(path: string, exp: number, keys: SigningKeys): Promise<string> {
  return `${path}?exp=${exp}&sig=${await sign(path, exp, keys.current)}`
}

/** Checks a request's `exp` and `sig` for `path`; `nowMs` is the clock. Constant-time (WebCrypto's verify). */
export async function checkSignature(path: string, exp: string | null, sig: string | null, keys: SigningKeys, nowMs: number): Promise<SignatureCheck> {
  if (exp === null && sig === null) return 'missing'
  if (exp === null || sig === null || !/^\d{1,12}$/.test(exp)) return 'malformed'
  const mac = fromBase64urlBytes(sig)
  if (!mac || mac.byteLength !== 32) return 'malformed'
  const expiry = Number(exp)
  for (const secret of [keys.current, keys.previous]) {
    if (secret && (await crypto.subtle.verify('HMAC', await hmacKey(secret), mac, payload(path, expiry)))) {
      return expiry * 1000 > nowMs ? 'valid' : 'expired'
    }
  }
  return 'invalid'
}
