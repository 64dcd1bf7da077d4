import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const root = join(import.meta.dirname, '..', '..')

export interface Service {
  /** e.g. http://127.0.0.1:43121 */
  base: string
  /** An API token of a fresh user. */
  token: string
  /** Everything wrangler printed so far (for failure messages). */
  log: () => string
  stop: () => void
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await fn().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * `npm start` and `npm run user:create` as a user runs them (both Workers,
 * shared local D1/R2/Queues), on a free port and a private state folder.
 */
export async function startService(user = 'e2e'): Promise<Service> {
  const state = mkdtempSync(join(tmpdir(), 'image-service-e2e-'))
  const created = await run('npm', ['run', '--silent', 'user:create', '--', user, '--persist-to', state], { cwd: root })
  const token = created.stdout.trim().split('\n').at(-1)!
  if (!/^img_[A-Za-z0-9_-]{40,}$/.test(token)) throw new Error(`user:create printed no token:\n${created.stdout}`)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const server = spawn('npm', ['start', '--', '--port', String(port), '--persist-to', state, '--show-interactive-dev-session=false'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  server.stdout!.on('data', (d) => (log += d))
  server.stderr!.on('data', (d) => (log += d))
  const stop = () => {
    // wrangler leaves workerd behind unless the whole process group goes.
    if (server.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    rmSync(state, { recursive: true, force: true })
  }
  try {
    await waitFor('wrangler dev', async () => ((await fetch(`${base}/images/none`)).status === 404 ? true : undefined), 90_000)
  } catch (err) {
    stop()
    throw new Error(`${(err as Error).message}\n${log}`)
  }
  return { base, token, log: () => log, stop }
}
