/** What the browser tests read off the upload page: a file's card, and waiting for it to complete. */
import type { Page } from 'playwright-core'
import type { Service } from './server'

/** The cards of a file, found by the name the page shows, newest first (the page prepends). */
export const card = (page: Page, name: string) => page.locator('li.upload', { has: page.locator('.name', { hasText: name }) })

/** Waits until the page shows the file's image as completed; on timeout, says what the page and the service showed. */
export async function completed(page: Page, name: string, service: Service) {
  try {
    await card(page, name).first().and(page.locator('[data-state="completed"]')).waitFor({ timeout: 90_000 })
  } catch (err) {
    const shown = await card(page, name).first().innerText().catch(() => '(no card)')
    throw new Error(`${name} did not complete. The page shows:\n${shown}\nwrangler:\n${service.log().slice(-4000)}`, { cause: err })
  }
}
