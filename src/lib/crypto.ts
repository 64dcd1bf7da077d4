export const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(data: BufferSource | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return hex(await crypto.subtle.digest('SHA-256', bytes))
}

/** Unguessable ids (122 random bits): metadata and files are public by id. */
export const newId = () => crypto.randomUUID()

/** A bearer token: 32 random bytes, base64url, with a prefix so leaked tokens are recognisable. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return 'img_' + btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
