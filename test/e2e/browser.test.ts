import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fitWithin, PRESETS } from '../../src/formats/presets'
import { launchChromium, machineLibraries } from './chromium'
import { card, completed } from './page'
import { root, startService, type Service } from './server'

const artifacts = join(root, 'test/artifacts')

const JPEG = { path: join(root, 'test/fixtures/exif-orientation/Landscape_1.jpg'), name: 'Landscape_1.jpg', width: 1800, height: 1200 }
const PNG = { path: join(root, 'test/fixtures/generated/alpha-640x480.png'), name: 'alpha-640x480.png', width: 640, height: 480 }

let service: Service
let browser: Browser

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true })
  ;[service, browser] = await Promise.all([startService('browser'), launchChromium()])
})

afterAll(async () => {
  await browser?.close()
  service?.stop()
})



describe('the upload page in Chromium', () => {
  it('runs a browser that needs nothing from the machine but libc and libgcc', async () => {
    const names = (await machineLibraries()).map((path) => path.split('/').at(-1)!.replace(/\.so.*$/, ''))
    expect(names.filter((n) => !['libc', 'libm', 'libdl', 'libpthread', 'librt', 'libgcc_s'].includes(n))).toEqual([])
  })

  it('is served by the Worker next to the API routes', async () => {
    const page = await fetch(`${service.base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const doc = await fetch(`${service.base}/openapi.json`)
    expect(doc.status).toBe(200)
    expect(((await doc.json()) as any).openapi).toBe('3.1.0')
    const missing = await fetch(`${service.base}/images/none`)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
  })

  it('uploads a JPEG and a PNG, shows their variants at their real sizes, and explains errors', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()))
    const streams: string[] = []
    page.on('request', (r) => r.url().endsWith('/events') && streams.push(new URL(r.url()).pathname))

    await page.goto(service.base)
    await page.fill('#token', service.token)
    // The token survives a reload (localStorage).
    await page.reload()
    expect(await page.inputValue('#token')).toBe(service.token)

    await page.setInputFiles('#files', [JPEG.path, PNG.path])
    for (const file of [JPEG, PNG]) await completed(page, file.name, service)

    const ids = new Map<string, string>()
    for (const file of [JPEG, PNG]) {
      const item = card(page, file.name)
      const id = await item.getAttribute('data-image-id')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      ids.set(file.name, id!)
      // Live status came over SSE, not by polling.
      expect(streams).toContain(`/images/${id}/events`)
      await expect.poll(() => item.locator('.variant img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete && i.naturalWidth > 0))).toBe(true)
      const shown = await item.locator('.variant').evaluateAll((figures) =>
        figures.map((f) => {
          const img = f.querySelector('picture > img') as HTMLImageElement
          // currentSrc: the file the browser chose among the <picture>'s formats.
          return { name: f.getAttribute('data-variant'), width: img.naturalWidth, height: img.naturalHeight, caption: f.querySelector('figcaption')!.textContent, href: f.querySelector('a')!.href, chosen: img.currentSrc }
        }),
      )
      expect(shown.map((s) => s.name)).toEqual(PRESETS.map((p) => p.name))
      for (const preset of PRESETS) {
        const expected = fitWithin(file, preset)
        const variant = shown.find((s) => s.name === preset.name)!
        // The decoded file is the size the service promised, and the caption says so.
        expect([variant.width, variant.height]).toEqual([expected.width, expected.height])
        expect(variant.caption).toContain(`${expected.width}×${expected.height}`)
        expect(variant.href.startsWith(`${service.base}/files/${id}/${preset.name}_`)).toBe(true)
        expect(variant.chosen.startsWith(`${service.base}/files/${id}/${preset.name}_`)).toBe(true)
      }
    }

    // After a reload the page shows the same uploads again, from GET /images, with their variants.
    await page.reload()
    for (const file of [JPEG, PNG]) {
      await completed(page, file.name, service)
      expect(await card(page, file.name).getAttribute('data-image-id')).toBe(ids.get(file.name))
      await expect.poll(() => card(page, file.name).locator('.variant img').count()).toBe(PRESETS.length)
    }

    // Wrong type: the 415 detail.
    await page.setInputFiles('#files', [{ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture at all, just some text\n'.repeat(20)) }])
    await expect.poll(() => card(page, 'notes.jpg').locator('.error').textContent(), { timeout: 30_000 }).toMatch(/JPEG|PNG/)

    await page.screenshot({ path: join(artifacts, 'upload-page.png'), fullPage: true })

    // Too big: the service's 413 detail appears next to the file.
    const tooBig = Buffer.alloc(6 * 1024 * 1024, 0x55)
    tooBig.set([0xff, 0xd8, 0xff, 0xe0])
    await page.setInputFiles('#files', [{ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: tooBig }])
    await expect.poll(() => card(page, 'huge.jpg').locator('.error').textContent(), { timeout: 30_000 }).toContain('larger than the limit of 5 MB')

    // A wrong token: the 401 detail, with a hint.
    await page.fill('#token', 'img_' + 'x'.repeat(43))
    await page.setInputFiles('#files', [PNG.path])
    await expect.poll(() => card(page, PNG.name).first().locator('.error').textContent(), { timeout: 30_000 }).toContain('unknown or revoked')
    await expect(card(page, PNG.name).first().locator('.error').textContent()).resolves.toContain('Check the API token')

    expect(pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([])
    await context.close()
  })

  it('fits a phone-sized viewport', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    await page.goto(service.base)
    await page.fill('#token', service.token)
    await page.setInputFiles('#files', [JPEG.path])
    await completed(page, JPEG.name, service)
    await expect.poll(() => card(page, JPEG.name).first().locator('.variant img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete && i.naturalWidth > 0))).toBe(true)
    // Nothing wider than the screen: no sideways scrolling.
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }))
    expect(widths.page).toBeLessThanOrEqual(widths.screen)
    // The three variants sit side by side.
    const tops = await card(page, JPEG.name).first().locator('.variant').evaluateAll((fs) => fs.map((f) => Math.round(f.getBoundingClientRect().top)))
    expect(new Set(tops).size).toBe(1)
    await page.screenshot({ path: join(artifacts, 'upload-page-phone.png'), fullPage: true })
    await context.close()
  })
})
