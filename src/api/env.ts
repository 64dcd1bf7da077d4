import type { Config } from '../lib/config'
import type { Store } from '../store'

/** Hono environment of the API: bindings from wrangler, plus what middleware resolves per request. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    config: Config
    store: Store
    /** Set by requireUser (always) or optionalUser (when a token was sent). */
    userId: string
  }
}
