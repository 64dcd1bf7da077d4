/**
 * Structured logs: one JSON line per event, with a level Workers Logs can filter on. Event names
 * are a closed list, so a typo is a type error and every event can be found from here. Never log
 * headers, query strings or bodies: a token must not reach the logs.
 */
export type LogEvent =
  | 'request'
  | 'request.error'
  | 'config.invalid'
  | 'rate_limit.error'
  | 'rate_limit.exceeded'
  | 'upload.r2_put_failed'
  | 'upload.d1_insert_failed'
  | 'upload.enqueue_failed'
  | 'upload.status_update_failed'
  | 'idempotency.save_failed'
  | 'image.deleted'
  | 'image.delete_failed'
  | 'file.left_behind'
  | 'original.checksum_mismatch'
  | 'colour.fallback'
  | 'variant.bad_message'
  | 'variant.completed'
  | 'variant.batch'
  | 'variant.failed'
  | 'variant.retry'
  | 'variant.requeued'
  | 'variant.requeue_failed'
  | 'variant.dead_letter'
  | 'variant.dead_letter_retry'
  | 'repair.run'
  | 'repair.step_failed'
  | 'repair.enqueue_failed'
  | 'repair.orphans_deleted'
  | 'webhook.bad_message'
  | 'webhook.dispatch_deferred'
  | 'webhook.delivered'
  | 'webhook.batch'
  | 'webhook.attempt_failed'
  | 'webhook.skipped'
  | 'webhook.disabled'
  | 'webhook.dead_letter'

export type LogLevel = 'info' | 'warn' | 'error'

const write = (level: LogLevel, event: LogEvent, fields: Record<string, unknown>) => {
  const line = JSON.stringify({ level, event, ...fields })
  // console.error/warn reach Workers Logs with their level; info goes to console.log.
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

export const log = {
  info: (event: LogEvent, fields: Record<string, unknown> = {}) => write('info', event, fields),
  warn: (event: LogEvent, fields: Record<string, unknown> = {}) => write('warn', event, fields),
  error: (event: LogEvent, fields: Record<string, unknown> = {}) => write('error', event, fields),
}

/** An error's message, for log fields and stored reasons. */
export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err))
