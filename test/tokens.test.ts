/**
 * Tokens are secrets on every route: never echoed in an answer, never logged, not even hashed.
 * (Each route's own 401 checks are test/routes/auth.ts's, called from its security block.)
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { sha256Hex } from '../src/lib/crypto'
import { fixture } from './fixtures'
import { BASE, call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'

const queue = captureQueue()
afterEach(() => queue.take())

const small = () => fixture('pngsuite/basn2c08.png')
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

describe('tokens', () => {
  it('never puts a token (or its hash) in a response or a log line', async () => {
    const carol = await createUser('carol')
    const hash = await sha256Hex(carol.token)
    const lines: string[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    )
    const seen: string[] = []
    const record = async (res: Response) => {
      seen.push(String(res.status), JSON.stringify([...res.headers]), await res.text())
    }
    try {
      const up = await call(uploadRequest(carol.token, small(), { fileName: 'mine.png' }))
      const { id } = await up.clone().json<any>()
      await record(up)
      await runQueue(queue.take())
      await record(await call(new Request(`${BASE}/images?limit=5`, { headers: auth(carol.token) })))
      await record(await call(`/images/${id}`))
      await record(await call(uploadRequest(carol.token, new TextEncoder().encode('not an image'))))
      await record(await call(uploadRequest(carol.token + 'x', small())))
      await record(await call(new Request(`${BASE}/images/${id}`, { method: 'DELETE', headers: auth(carol.token) })))
      await env.DB.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ?').bind(Date.now(), carol.userId).run()
      await record(await call(uploadRequest(carol.token, small())))
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
    // The spies saw the service's own log lines, so an absent token means something.
    expect(lines.some((l) => l.includes('"event":"variant.completed"'))).toBe(true)
    expect(lines.filter((l) => l.includes('"event":"request"')).length).toBeGreaterThanOrEqual(7)
    for (const text of [...lines, ...seen]) {
      expect(text).not.toContain(carol.token)
      expect(text).not.toContain(carol.token.slice(4))
      expect(text).not.toContain(hash)
    }
  })
})
