/** The processor Worker (wrangler.processor.toml): queue batches only, no fetch handler. */
import { processDeadLetters, processVariantBatch } from './processor/batch'
import { DEAD_LETTER_QUEUE } from './store/queue'

export default {
  async queue(batch, env, _ctx) {
    if (batch.queue === DEAD_LETTER_QUEUE) await processDeadLetters(batch, env)
    else await processVariantBatch(batch, env)
  },
} satisfies ExportedHandler<ProcessorEnv>
