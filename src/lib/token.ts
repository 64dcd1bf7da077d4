/**
 * API tokens: 32 random bytes, base64url, with a prefix so leaked tokens are recognisable (secret
 * scanners match `img_`). Only their SHA-256 is stored. `scripts/user-create.mjs` imports this
 * file too (Node strips the types), so the format is defined once.
 */
import { randomSecret, sha256Hex } from './crypto.ts'

export const TOKEN_PREFIX = 'img_'
/** A well-formed token: the prefix and 43 base64url characters. */
export const TOKEN_PATTERN = /^img_[A-Za-z0-9_-]{43}$/

export function newToken(): string {
  return TOKEN_PREFIX + randomSecret(32)
}

/** What is stored and compared: the token's SHA-256, hex. */
export const tokenHash = (token: string): Promise<string> => sha256Hex(token)
