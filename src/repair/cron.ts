/**
 * Everything the repair cron does, each step on its own: one failing (D1 or R2 down) does not keep
 * the others from running, and the run still reports failure afterwards so it shows in the cron's
 * history.
 */
import { readConfig } from '../lib/config'
import { log } from '../lib/log'
import { openStore, type Store } from '../store'
import { purgeDirectUploads } from '../store/d1/direct-uploads'
import { purgeExpiredKeys } from '../store/d1/idempotency'
import { purgeEvents, undispatchedEvents } from '../store/d1/webhooks'
import { dispatchEvents } from '../store/webhooks'
import { sweepOrphans, type SweepReport } from './orphans'
import { repairStuck, type RepairReport } from './repair'

export interface CronReport {
  stuck?: RepairReport
  orphans?: SweepReport
  expiredIdempotencyKeys?: number
  /** Direct uploads expired (never used) or used, a day on: drafts end here. */
  spentDirectUploads?: number
  /** Webhook events a crash left unsent, now fanned out (deliveries queued), and old events deleted. */
  webhookEvents?: { dispatched: number; deliveries: number; purged: number }
}

/** An event younger than this may still be fanned out by its writer, right after its batch. */
export const UNDISPATCHED_AFTER_MS = 60_000

async function redispatchEvents(store: Store, now: number): Promise<NonNullable<CronReport['webhookEvents']>> {
  const ids = await undispatchedEvents(store, now - UNDISPATCHED_AFTER_MS, 100)
  const deliveries = await dispatchEvents(store, ids, now)
  return { dispatched: ids.length, deliveries, purged: await purgeEvents(store, now) }
}

export async function runRepairCron(env: Env, now = Date.now()): Promise<CronReport> {
  const store = openStore(env)
  const config = readConfig(env)
  const report: CronReport = {}
  const errors: unknown[] = []
  const step = async <K extends keyof CronReport>(name: K, run: () => Promise<CronReport[K]>) => {
    try {
      report[name] = await run()
    } catch (err) {
      log.error('repair.step_failed', { step: name, error: String(err) })
      errors.push(err)
    }
  }
  await step('stuck', () => repairStuck(store, config.repairAfterMs, now))
  await step('orphans', () => sweepOrphans(store, now))
  await step('expiredIdempotencyKeys', () => purgeExpiredKeys(store, now))
  await step('spentDirectUploads', () => purgeDirectUploads(store, now))
  await step('webhookEvents', () => redispatchEvents(store, now))
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} repair step(s) failed`)
  return report
}
