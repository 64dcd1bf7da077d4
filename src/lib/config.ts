/** Numeric settings from wrangler vars, with defaults when unset or malformed. */
export interface Config {
  maxPixels: number
  maxUploadBytes: number
  repairAfterMs: number
  publicBaseUrl: string | null
}

const num = (value: string | undefined, fallback: number) => {
  const n = Number(value)
  return value && Number.isFinite(n) && n > 0 ? n : fallback
}

export function readConfig(env: Partial<Pick<Env, 'MAX_PIXELS' | 'MAX_UPLOAD_BYTES' | 'REPAIR_AFTER_SECONDS' | 'PUBLIC_BASE_URL'>>): Config {
  return {
    maxPixels: num(env.MAX_PIXELS, 50_000_000),
    maxUploadBytes: num(env.MAX_UPLOAD_BYTES, 5 * 1024 * 1024),
    repairAfterMs: num(env.REPAIR_AFTER_SECONDS, 900) * 1000,
    publicBaseUrl: env.PUBLIC_BASE_URL ? env.PUBLIC_BASE_URL.replace(/\/+$/, '') : null,
  }
}
