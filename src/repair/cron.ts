/**
 * Everything the repair cron does, each step on its own: one failing (D1 or
 * R2 down) does not keep the others from running, and the run still reports
 * failure afterwards so it shows in the cron's history.
 */
import { db } from '../db/client'
import { purgeExpiredKeys } from '../upload/idempotency'
import { sweepOrphans, type SweepReport } from './orphans'
import { repairStuck, type RepairReport } from './repair'

export interface CronReport {
  stuck?: RepairReport
  orphans?: SweepReport
  expiredIdempotencyKeys?: number
}

export async function runRepairCron(env: Env, now = Date.now()): Promise<CronReport> {
  const report: CronReport = {}
  const errors: unknown[] = []
  const step = async <K extends keyof CronReport>(name: K, run: () => Promise<CronReport[K]>) => {
    try {
      report[name] = await run()
    } catch (err) {
      console.error(JSON.stringify({ event: 'repair.step_failed', step: name, error: String(err) }))
      errors.push(err)
    }
  }
  await step('stuck', () => repairStuck(env, now))
  await step('orphans', () => sweepOrphans(env, now))
  await step('expiredIdempotencyKeys', () => purgeExpiredKeys(db(env.DB), now))
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} repair step(s) failed`)
  return report
}
