/** Small named values the repair cron keeps between runs (the R2 sweep's position). */
import { eq } from 'drizzle-orm'
import type { Store } from '..'
import { repairState } from './schema'

export async function readState({ db }: Store, name: string): Promise<string | null> {
  return (await db.select({ value: repairState.value }).from(repairState).where(eq(repairState.name, name)).get())?.value ?? null
}

export async function writeState({ db }: Store, name: string, value: string, now = Date.now()): Promise<void> {
  await db
    .insert(repairState)
    .values({ name, value, updatedAt: now })
    .onConflictDoUpdate({ target: repairState.name, set: { value, updatedAt: now } })
}
