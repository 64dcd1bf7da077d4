export const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(data: BufferSource | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return hex(await crypto.subtle.digest('SHA-256', bytes))
}

/** Unguessable ids (122 random bits): metadata and files are public by id. */
export const newId = () => crypto.randomUUID()

/** base64url without padding (RFC 4648 §5), and back; `null` for anything else. */
export const toBase64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
export function fromBase64url(raw: string): string | null {
  try {
    return atob(raw.replace(/-/g, '+').replace(/_/g, '/'))
  } catch {
    return null
  }
}

/** Bytes as base64url without padding, and back (`null` unless it is canonical base64url). */
export const toBase64urlBytes = (bytes: Uint8Array) => toBase64url(String.fromCharCode(...bytes))
export function fromBase64urlBytes(raw: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(raw)) return null
  const text = fromBase64url(raw)
  if (text === null) return null
  const bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0))
  // One byte string per value: anything else (stray low bits) is not what we signed.
  return toBase64urlBytes(bytes) === raw ? bytes : null
}

/** A random secret of `bytes` bytes, base64url. */
export const randomSecret = (bytes = 32) => toBase64urlBytes(crypto.getRandomValues(new Uint8Array(bytes)))
