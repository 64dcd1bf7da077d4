import { mkdirSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PRESETS } from '../../src/formats/presets'
import { launchChromium } from './chromium'
import { card, completed } from './page'
import { root, startService, waitFor, type Service } from './server'

/**
 * Direct creator uploads end to end, on `npm start`: the integrator's server (this test, with the
 * token) registers a webhook receiver and asks for a one-time upload URL; a browser without the
 * token uploads through the page opened as `/#upload=<uploadURL>`; the receiver gets a verified
 * `image.completed` event for the image, with the owner's metadata.
 */

const JPEG = { path: join(root, 'test/fixtures/exif-orientation/Landscape_1.jpg'), name: 'Landscape_1.jpg' }
const TOKEN_KEY = 'image-service.token'
const artifacts = join(root, 'test/artifacts')

interface Delivery {
  headers: Record<string, string>
  body: string
  event: { type: string; timestamp: string; data: any }
}

/** A local webhook receiver: every request is verified with the standardwebhooks library (204 valid, 400 not). */
class Receiver {
  server: Server = createServer()
  secret: string | null = null
  verified: Delivery[] = []
  refused: { headers: IncomingHttpHeaders; body: string; error: string }[] = []

  async start(): Promise<string> {
    this.server.on('request', (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const headers = webhookHeaders(req.headers)
        try {
          if (!this.secret) throw new Error('no secret yet')
          const event = new Webhook(this.secret).verify(body, headers) as Delivery['event']
          this.verified.push({ headers, body, event })
          res.writeHead(204).end()
        } catch (err) {
          this.refused.push({ headers: req.headers, body, error: String(err) })
          res.writeHead(400, { 'content-type': 'text/plain' }).end('signature not valid')
        }
      })
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const { port } = this.server.address() as { port: number }
    return `http://127.0.0.1:${port}/hooks/images`
  }

  stop() {
    this.server.closeAllConnections()
    this.server.close()
  }
}

const webhookHeaders = (h: IncomingHttpHeaders): Record<string, string> => ({
  'webhook-id': String(h['webhook-id'] ?? ''),
  'webhook-timestamp': String(h['webhook-timestamp'] ?? ''),
  'webhook-signature': String(h['webhook-signature'] ?? ''),
})

let service: Service
let browser: Browser
let hookUrl: string
const receiver = new Receiver()

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true })
  ;[service, browser, hookUrl] = await Promise.all([startService('direct'), launchChromium(), receiver.start()])
})

afterAll(async () => {
  await browser?.close()
  service?.stop()
  receiver.stop()
})

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${service.base}${path}`, { ...init, headers: { authorization: `Bearer ${service.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } })



/** Every request a page makes, with all the headers Chromium sent. */
function recordRequests(page: Page) {
  const seen: Promise<{ method: string; url: string; authorization: string | undefined }>[] = []
  page.on('request', (r) => {
    const provisional = r.headers()['authorization']
    seen.push(r.allHeaders().then((h) => ({ method: r.method(), url: r.url(), authorization: h['authorization'] ?? provisional }), () => ({ method: r.method(), url: r.url(), authorization: provisional })))
  })
  return () => Promise.all(seen)
}

function pageErrors(page: Page) {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  // Refused uploads (415, 410) are logged by Chromium as failed resources: expected here.
  return () => errors.filter((e) => !/Failed to load resource/.test(e))
}

describe('direct creator uploads through the page, with a webhook', () => {
  it('uploads through a one-time link without a token, and the verified image.completed event follows', async () => {
    // The integrator's server: a webhook endpoint (its secret is shown once), then an upload URL.
    const created = await api('/webhooks', { method: 'POST', body: JSON.stringify({ url: hookUrl }) })
    const endpoint = (await created.json()) as any
    expect(created.status, JSON.stringify(endpoint)).toBe(201)
    expect(endpoint.secret).toMatch(/^whsec_/)
    expect(endpoint.url).toBe(hookUrl)
    receiver.secret = endpoint.secret

    const made = await api('/images/direct-uploads', { method: 'POST', body: JSON.stringify({ metadata: { order: 'e2e-1' } }) })
    const link = (await made.json()) as { id: string; uploadURL: string; expiresAt: string }
    expect(made.status, JSON.stringify(link)).toBe(201)
    expect(link.uploadURL.startsWith(`${service.base}/direct-uploads/${link.id}?token=`)).toBe(true)

    // The browser: a fresh context, no token anywhere.
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    const requests = recordRequests(page)
    const errors = pageErrors(page)
    await page.goto(`${service.base}/#upload=${encodeURIComponent(link.uploadURL)}`)
    expect(await page.locator('#token-section').isHidden()).toBe(true)
    expect(await page.locator('#token').isHidden()).toBe(true)
    expect(await page.locator('#direct').isVisible()).toBe(true)
    expect(await page.locator('#direct').innerText()).toMatch(/one-time upload link/i)
    expect(await page.locator('#files').evaluate((input: HTMLInputElement) => input.multiple)).toBe(false)
    expect(await page.locator('#older').isHidden()).toBe(true)

    // A refused file (415) leaves the link usable: the service gives the claim back.
    await page.setInputFiles('#files', [{ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture at all, just some text\n'.repeat(20)) }])
    await expect.poll(() => card(page, 'notes.jpg').locator('.error').textContent(), { timeout: 30_000 }).toMatch(/JPEG|PNG/)

    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 202)
    await page.setInputFiles('#files', [JPEG.path])
    // The uploader is not the owner: the answer is the public view, without the owner-only fields.
    const accepted = (await (await answer).json()) as Record<string, unknown>
    expect(accepted.id).toBe(link.id)
    expect(accepted).not.toHaveProperty('metadata')
    expect(accepted).not.toHaveProperty('userId')
    await completed(page, JPEG.name, service)
    const publicView = (await (await fetch(`${service.base}/images/${link.id}`)).json()) as Record<string, unknown>
    expect(publicView).not.toHaveProperty('metadata')
    expect(((await (await api(`/images/${link.id}`)).json()) as any).metadata).toEqual({ order: 'e2e-1' })
    const item = card(page, JPEG.name).first()
    expect(await item.getAttribute('data-image-id')).toBe(link.id)
    await expect.poll(() => item.locator('.variant img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete && i.naturalWidth > 0))).toBe(true)
    expect(await item.locator('.variant').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-variant')))).toEqual(PRESETS.map((p) => p.name))

    // Another photo in the same page: the page knows the link is spent, and says so.
    await page.setInputFiles('#files', [JPEG.path])
    await expect.poll(() => card(page, JPEG.name).first().locator('.error').textContent()).toContain('already used')
    expect(await page.locator('#older').isHidden()).toBe(true)
    await page.screenshot({ path: join(artifacts, 'direct-upload-page.png'), fullPage: true })

    // The receiver: a verified image.completed event for the direct upload's image, with the owner's metadata.
    const delivery = await waitFor(
      'a verified image.completed event',
      async () => receiver.verified.find((d) => d.event.type === 'image.completed' && d.event.data?.id === link.id),
      90_000,
    ).catch((err) => {
      throw new Error(`${err.message}; refused: ${JSON.stringify(receiver.refused)}\nwrangler:\n${service.log().slice(-4000)}`)
    })
    expect(receiver.refused).toEqual([])
    expect(delivery.headers['webhook-id']).toMatch(/^msg_/)
    expect(delivery.event.data.status).toBe('completed')
    expect(delivery.event.data.metadata).toEqual({ order: 'e2e-1' })
    expect(delivery.event.data.variants).toHaveLength(3)
    for (const v of delivery.event.data.variants) {
      expect(v.url, JSON.stringify(v)).toMatch(new RegExp(`^${service.base}/files/${link.id}/`))
      const file = await fetch(v.url)
      expect(file.status, v.url).toBe(200)
      await file.arrayBuffer()
    }
    // The library really checks: the same headers with a changed body fail.
    const wh = new Webhook(endpoint.secret)
    expect(() => wh.verify(delivery.body, delivery.headers)).not.toThrow()
    const tampered = delivery.body.replace('"e2e-1"', '"e2e-2"')
    expect(tampered).not.toBe(delivery.body)
    expect(() => wh.verify(tampered, delivery.headers)).toThrow(WebhookVerificationError)
    expect(() => new Webhook('whsec_' + Buffer.alloc(24, 7).toString('base64')).verify(delivery.body, delivery.headers)).toThrow(WebhookVerificationError)

    // A reload forgets what the page knew; the service answers the second use with 410, in plain words.
    // A token in this browser's storage now: the page still neither reads nor sends it.
    await context.addInitScript(([key, token]) => localStorage.setItem(key, token), [TOKEN_KEY, service.token] as const)
    await page.reload()
    expect(await page.locator('#token-section').isHidden()).toBe(true)
    await page.setInputFiles('#files', [JPEG.path])
    const refused = card(page, JPEG.name).first().locator('.error')
    await expect.poll(() => refused.textContent(), { timeout: 30_000 }).toContain('already used')
    expect(await refused.textContent()).toContain('Ask whoever sent you the link for a new one')
    expect(await page.locator('#direct-status').textContent()).toContain('ask for a new link')
    expect(await page.inputValue('#token')).toBe('')

    const sent = await requests()
    const uploads = sent.filter((r) => r.method === 'POST')
    // The 415, the 202 and the 410: the spent link was not tried again from the same page.
    expect(uploads.map((r) => r.url)).toEqual([link.uploadURL, link.uploadURL, link.uploadURL])
    expect(sent.some((r) => r.url.endsWith(`/images/${link.id}/events`))).toBe(true)
    expect(sent.filter((r) => r.authorization !== undefined)).toEqual([])
    expect(errors()).toEqual([])
    await context.close()
  })

  it("adds, lists and deletes webhooks from the owner's page, showing the secret once", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = pageErrors(page)
    await page.goto(service.base)
    await page.fill('#token', service.token)
    await page.click('#webhooks summary')
    const hookUrl = `http://127.0.0.1:9/page-hook-${Date.now()}`
    await page.fill('#webhook-url', hookUrl)
    await page.click('#webhook-form button[type=submit]')
    await expect.poll(() => page.inputValue('#webhook-secret-value').catch(() => ''), { timeout: 30_000 }).toMatch(/^whsec_/)
    const item = page.locator('#webhook-list li', { hasText: hookUrl })
    await item.waitFor({ timeout: 30_000 })
    expect(await item.textContent()).toContain('image.completed, image.failed, image.deleted')

    // The service's refusal, in its words.
    await page.fill('#webhook-url', 'ftp://example.com/hook')
    await page.click('#webhook-form button[type=submit]')
    await expect.poll(() => page.locator('#webhook-secret .error').textContent(), { timeout: 30_000 }).toContain('https')

    await item.locator('button', { hasText: 'Delete' }).click()
    await expect.poll(() => page.locator('#webhook-list li', { hasText: hookUrl }).count(), { timeout: 30_000 }).toBe(0)
    expect(errors().filter((e) => !/Failed to load resource/.test(e))).toEqual([])
    await context.close()
  })

  it("makes a one-time link from the owner's page", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = pageErrors(page)
    await page.goto(service.base)

    // Without a valid token: the 401 detail, and no link.
    await page.fill('#token', 'img_' + 'x'.repeat(43))
    await page.click('#create-link')
    await expect.poll(() => page.locator('#link-result .error').textContent()).toContain('unknown or revoked')

    await page.fill('#token', service.token)
    await page.click('#create-link')
    const anchor = page.locator('#link-result a[href*="#upload="]')
    await anchor.waitFor({ timeout: 30_000 })
    const href = (await anchor.getAttribute('href'))!
    expect(href.startsWith(`${service.base}/#upload=`)).toBe(true)
    expect(await page.inputValue('#link-url')).toBe(href)
    await page.screenshot({ path: join(artifacts, 'upload-link-made.png'), fullPage: true })
    expect(await page.locator('#link-result time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/)

    // It is an upload URL of this owner's: a draft they can see, and the link opens in upload-link mode.
    const uploadURL = new URL(decodeURIComponent(new URL(href).hash.slice('#upload='.length)))
    const id = uploadURL.pathname.split('/').at(-1)!
    expect(uploadURL.pathname).toBe(`/direct-uploads/${id}`)
    const draft = await api(`/images/${id}`)
    expect(draft.status).toBe(200)
    expect(((await draft.json()) as any).status).toBe('draft')

    const other = await browser.newContext()
    const opened = await other.newPage()
    await opened.goto(href)
    expect(await opened.locator('#token-section').isHidden()).toBe(true)
    expect(await opened.locator('#direct-status').textContent()).toMatch(/one JPEG or PNG photo/)
    await other.close()

    expect(errors()).toEqual([])
    await context.close()
  })
})
