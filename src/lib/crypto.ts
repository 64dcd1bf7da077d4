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
