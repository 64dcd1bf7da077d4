/** The API Worker (wrangler.toml): HTTP and the repair cron. Carries no image codec. */
import { app } from './api/app'
import { runRepairCron } from './repair/cron'

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runRepairCron(env, controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>

export type { AppType } from './api/app'
