import type { Config } from '../lib/config'

/** Hono environment of the API: bindings from wrangler, plus what middleware resolves per request. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    config: Config
    userId: string
  }
}
