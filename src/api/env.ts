import type { Config } from '../lib/config'
import type { Store } from '../store'

/** Hono environment of the API: bindings from wrangler, plus what middleware resolves per request. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    config: Config
    store: Store
    userId: string
  }
}
