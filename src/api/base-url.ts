import type { Context } from 'hono'
import type { AppEnv } from './env'

/** Absolute base for URLs in responses: the configured public URL, else the request's own origin. */
export const baseUrl = (c: Context<AppEnv>) => c.get('config').publicBaseUrl ?? new URL(c.req.url).origin
