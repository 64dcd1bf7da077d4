/** Numeric settings from wrangler vars, with defaults when unset or malformed. */
export interface Config {
  maxPixels: number
  /** Lower cap for progressive JPEGs, whose decoding holds every DCT coefficient (~3 bytes/pixel). */
  maxProgressivePixels: number
  maxUploadBytes: number
  repairAfterMs: number
  publicBaseUrl: string | null
  /** Origins allowed to call the API from a browser (CORS); `*` allows any. Empty: none. */
  corsAllowedOrigins: string[]
  /** How long one live-status stream (SSE) stays open before telling the client to poll. */
  eventsMaxMs: number
}

const num = (value: string | undefined, fallback: number) => {
  const n = Number(value)
  return value && Number.isFinite(n) && n > 0 ? n : fallback
}

/** `CORS_ALLOWED_ORIGINS`: comma-separated origins, compared without a trailing slash. */
export const parseOrigins = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter((o) => o.length > 0)

export function readConfig(env: Partial<Pick<Env, 'MAX_PIXELS' | 'MAX_PROGRESSIVE_PIXELS' | 'MAX_UPLOAD_BYTES' | 'REPAIR_AFTER_SECONDS' | 'PUBLIC_BASE_URL' | 'CORS_ALLOWED_ORIGINS' | 'EVENTS_MAX_SECONDS'>>): Config {
  return {
    // Measured by `npm run bench` (README, "Processor: memory and speed").
    maxPixels: num(env.MAX_PIXELS, 100_000_000),
    maxProgressivePixels: num(env.MAX_PROGRESSIVE_PIXELS, 16_000_000),
    maxUploadBytes: num(env.MAX_UPLOAD_BYTES, 5 * 1024 * 1024),
    repairAfterMs: num(env.REPAIR_AFTER_SECONDS, 900) * 1000,
    publicBaseUrl: env.PUBLIC_BASE_URL ? env.PUBLIC_BASE_URL.replace(/\/+$/, '') : null,
    corsAllowedOrigins: parseOrigins(env.CORS_ALLOWED_ORIGINS),
    eventsMaxMs: num(env.EVENTS_MAX_SECONDS, 60) * 1000,
  }
}
