import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const state = mkdtempSync(join(tmpdir(), 'image-service-e2e-'))
let server: ChildProcess
let base: string
let token: string

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await fn().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

beforeAll(async () => {
  // The same commands `npm start` and `npm run user:create` run, against a private state folder.
  const created = await run('npm', ['run', '--silent', 'user:create', '--', 'e2e', '--persist-to', state], { cwd: root })
  token = created.stdout.trim().split('\n').at(-1)!
  expect(token).toMatch(/^img_[A-Za-z0-9_-]{40,}$/)
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  server = spawn('npx', ['wrangler', 'dev', '-c', 'wrangler.toml', '-c', 'wrangler.processor.toml', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--show-interactive-dev-session=false'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  server.stdout!.on('data', (d) => (log += d))
  server.stderr!.on('data', (d) => (log += d))
  await waitFor('wrangler dev', async () => ((await fetch(`${base}/images/none`)).status === 404 ? true : undefined), 90_000).catch((err) => {
    throw new Error(`${err.message}\n${log}`)
  })
})

afterAll(() => {
  // wrangler leaves workerd behind unless the whole process group goes.
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  rmSync(state, { recursive: true, force: true })
})

describe('the service end to end', () => {
  it('uploads a photo, makes its variants, and serves every URL', async () => {
    const photo = readFileSync(join(root, 'test/fixtures/exif-orientation/Portrait_6.jpg'))
    const form = new FormData()
    form.append('file', new Blob([photo]), 'portrait.jpg')
    const res = await fetch(`${base}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
    expect(res.status).toBe(202)
    const created = (await res.json()) as any
    expect(res.headers.get('location')).toBe(`/images/${created.id}`)

    const done = await waitFor(
      'completed',
      async () => {
        const meta = (await (await fetch(`${base}/images/${created.id}`)).json()) as any
        if (meta.status === 'failed') throw new Error(`failed: ${meta.error}`)
        return meta.status === 'completed' ? meta : undefined
      },
      60_000,
    )
    expect([done.width, done.height]).toEqual([1200, 1800])
    expect(done.variants.map((v: any) => [v.name, v.width, v.height])).toEqual([
      ['large', 720, 1080],
      ['medium', 400, 600],
      ['thumb', 100, 150],
    ])
    for (const url of [done.url, ...done.variants.map((v: any) => v.url)]) {
      expect(url.startsWith(base)).toBe(true)
      const file = await fetch(url)
      expect(file.status).toBe(200)
      expect(file.headers.get('content-type')).toBe('image/jpeg')
      expect(file.headers.get('cache-control')).toContain('immutable')
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(1000)
    }
  })
})
