/**
 * Webhooks in the Standard Webhooks format (https://www.standardwebhooks.com): a secret
 * `whsec_<base64>`, and three headers on every delivery: `webhook-id` (the event's id, the same on
 * every retry), `webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated when two secrets sign during a
 * rotation). Pure: no bindings.
 */

export const WEBHOOK_EVENT_TYPES = ['image.completed', 'image.failed', 'image.deleted'] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

const SECRET_PREFIX = 'whsec_'

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

/** A new signing secret: 24 random bytes (Standard Webhooks asks for 24 to 64). */
export const newWebhookSecret = () => SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(24)))

/** An event id: unique, and a prefix saying what it is. */
export const newEventId = () => 'msg_' + crypto.randomUUID().replaceAll('-', '')

const keys = new Map<string, Promise<CryptoKey>>()
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    const raw = Uint8Array.from(atob(secret.slice(SECRET_PREFIX.length)), (c) => c.charCodeAt(0))
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    keys.set(secret, key)
  }
  return key
}

/** The `webhook-signature` value: one `v1,<signature>` per secret, in the order given. */
export async function signWebhook(secrets: string[], id: string, timestamp: number, body: string): Promise<string> {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`)
  const signatures = await Promise.all(secrets.map(async (s) => 'v1,' + base64(new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(s), content)))))
  return signatures.join(' ')
}

/** The headers of one delivery attempt. */
export async function webhookHeaders(secrets: string[], id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': await signWebhook(secrets, id, timestamp, body),
  }
}

/**
 * Why a URL may not be an endpoint, or null when it may. In production (`allowPrivate` false) only
 * HTTPS to a public name: not loopback, private, link-local or otherwise internal addresses, so a
 * webhook cannot be aimed at the service's own network. Locally (`npm start`) plain HTTP to
 * 127.0.0.1 is allowed, for a receiver on the same machine.
 */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL'
  if (url.username || url.password) return 'must not contain credentials'
  if (url.hash) return 'must not have a fragment'
  if (allowPrivate) return null
  if (url.protocol !== 'https:') return 'must be an https URL'
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (isInternalName(host) || isInternalIp(host)) return `names a loopback, private or internal address (${host})`
  return null
}

function isInternalName(host: string): boolean {
  if (!host.includes('.') && !host.startsWith('[')) return true // a bare name resolves on the local network only
  return /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/.test(host)
}

function isInternalIp(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  if (v4) return isInternalV4(v4.slice(1).map(Number))
  if (!host.startsWith('[')) return false
  const v6 = host.slice(1, -1)
  if (v6 === '::' || v6 === '::1') return true
  // IPv4-mapped (::ffff:a.b.c.d, which URL writes as ::ffff:xxxx:xxxx).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6)
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)]
    return isInternalV4([hi >> 8, hi & 255, lo >> 8, lo & 255])
  }
  const first = parseInt(v6.split(':')[0] || '0', 16)
  return (first & 0xfe00) === 0xfc00 /* fc00::/7 unique local */ || (first & 0xffc0) === 0xfe80 /* fe80::/10 link-local */ || (first & 0xff00) === 0xff00 /* multicast */
}

function isInternalV4([a, b]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a! >= 224 // multicast and reserved
  )
}
