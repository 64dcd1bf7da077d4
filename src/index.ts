/** The API Worker (wrangler.toml): HTTP, webhook deliveries and the repair cron. Carries no image codec. */
import { app } from './api/app'
import { deliverWebhooks, processWebhookDeadLetters } from './api/webhook-delivery'
import { runRepairCron } from './repair/cron'
import { WEBHOOK_DEAD_LETTER_QUEUE } from './store/queue'

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === WEBHOOK_DEAD_LETTER_QUEUE) await processWebhookDeadLetters(batch, env)
    else await deliverWebhooks(batch, env)
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runRepairCron(env, controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>

export type { AppType } from './api/app'
