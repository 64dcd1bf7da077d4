/**
 * The API Worker's settings, from wrangler.toml `[vars]` (the one source: the processor Worker
 * needs none). Validated once per isolate with zod: a missing or malformed variable fails every
 * request loudly (500, logged with the variable's name) instead of running on a silent default.
 */
import { z } from 'zod'
import type { SigningKeys } from './signature'

/** The most an upload may be: the processor's memory plan counts the original at this size (docs/memory-plan.md). */
export const UPLOAD_BYTES_CEILING = 5 * 1024 * 1024

const positiveInt = (max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))

/** `CORS_ALLOWED_ORIGINS`: comma-separated origins, compared without a trailing slash. */
export const parseOrigins = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter((o) => o.length > 0)

const Vars = z.object({
  /** Absolute base for URLs in metadata; empty means "the origin of the request". */
  PUBLIC_BASE_URL: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
  MAX_UPLOAD_BYTES: positiveInt(UPLOAD_BYTES_CEILING),
  REPAIR_AFTER_SECONDS: positiveInt(),
  EVENTS_MAX_SECONDS: positiveInt(3600),
  CORS_ALLOWED_ORIGINS: z.string(),
  SIGNED_URL_SECONDS: positiveInt(7 * 24 * 3600),
  WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }),
  // Secrets (`wrangler secret put`; locally `.dev.vars`, which `npm start` writes once).
  URL_SIGNING_KEY: z.string({ error: 'is not set (a secret: `wrangler secret put URL_SIGNING_KEY`)' }).min(32, 'must be at least 32 characters'),
  URL_SIGNING_KEY_PREVIOUS: z.union([z.literal(''), z.string().min(32, 'must be at least 32 characters')]).optional(),
  UPLOAD_RATE_LIMITER: z.custom<RateLimit>((v) => typeof (v as RateLimit | undefined)?.limit === 'function', 'the rate-limit binding is missing'),
})

export interface Config {
  publicBaseUrl: string | null
  maxUploadBytes: number
  repairAfterMs: number
  /** How long one live-status stream (SSE) stays open before telling the client to poll. */
  eventsMaxMs: number
  /** Origins allowed to call the API from a browser (CORS); `*` allows any. Empty: none. */
  corsAllowedOrigins: string[]
  /** Keys of private images' signed URLs: the current one signs, both verify. */
  signingKeys: SigningKeys
  /** How long a signed URL in the owner's metadata stays valid. */
  signedUrlSeconds: number
  /** Whether webhook endpoints may be http or local addresses (a receiver on a developer's machine); false in production. */
  webhookAllowPrivateUrls: boolean
}

export class ConfigError extends Error {}

const cache = new WeakMap<object, Config>()

/** The validated settings; throws ConfigError naming every bad variable. */
export function readConfig(env: object): Config {
  const hit = cache.get(env)
  if (hit) return hit
  const parsed = Vars.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(`The service is misconfigured: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`)
  }
  const v = parsed.data
  const config: Config = {
    publicBaseUrl: v.PUBLIC_BASE_URL ? v.PUBLIC_BASE_URL.replace(/\/+$/, '') : null,
    maxUploadBytes: v.MAX_UPLOAD_BYTES,
    repairAfterMs: v.REPAIR_AFTER_SECONDS * 1000,
    eventsMaxMs: v.EVENTS_MAX_SECONDS * 1000,
    corsAllowedOrigins: parseOrigins(v.CORS_ALLOWED_ORIGINS),
    signingKeys: { current: v.URL_SIGNING_KEY, previous: v.URL_SIGNING_KEY_PREVIOUS || null },
    signedUrlSeconds: v.SIGNED_URL_SECONDS,
    webhookAllowPrivateUrls: v.WEBHOOK_ALLOW_PRIVATE_URLS === 'true',
  }
  cache.set(env, config)
  return config
}
