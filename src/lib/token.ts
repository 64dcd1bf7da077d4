/**
 * API tokens: 32 random bytes, base64url, with a prefix so leaked tokens are recognisable (secret
 * scanners match `img_`). Only their SHA-256 is stored. `scripts/user-create.mjs` imports this
 * file too (Node strips the types), so the format is defined once.
 */
import { toBase64url } from './crypto.ts'

export const TOKEN_PREFIX = 'img_'
/** A well-formed token: the prefix and 43 base64url characters. */
export const TOKEN_PATTERN = /^img_[A-Za-z0-9_-]{43}$/

export function newToken(): string {
  return TOKEN_PREFIX + toBase64url(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
}

/** What is stored and compared: the token's SHA-256, hex. */
export async function tokenHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}
