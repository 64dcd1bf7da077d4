import { app } from './api/app'
import { DEAD_LETTER_QUEUE, processDeadLetters, processVariantBatch } from './processor/consumer'
import { runRepairCron } from './repair/cron'

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE) await processDeadLetters(batch, env)
    else await processVariantBatch(batch, env)
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runRepairCron(env, controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>

export type { AppType } from './api/app'
