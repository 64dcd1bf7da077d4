import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, uploadRequest } from './helpers'

let token: string
let userId: string
beforeAll(async () => ({ token, userId } = await createUser()))
afterEach(() => vi.restoreAllMocks())

/** What the Worker prints to the log while `fn` runs (console.log keeps printing). */
async function logged(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = []
  const real = console.log.bind(console)
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '))
    real(...args)
  })
  await fn()
  return lines
}

const requestLines = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.event === 'request')

describe('request logs', () => {
  it('writes one JSON line per request with method, path, status, time and user, and never the token', async () => {
    const queue = captureQueue()
    let id = ''
    const lines = await logged(async () => {
      const res = await call(uploadRequest(token, fixture('pngsuite/basn2c08.png')))
      id = (await res.json<any>()).id
    })
    queue.restore()
    const requests = requestLines(lines)
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/images', status: 202, userId })
    expect(requests[0].ms).toBeGreaterThanOrEqual(0)
    expect(id).not.toBe('')
    for (const line of lines) {
      expect(line).not.toContain(token)
      expect(line.toLowerCase()).not.toContain('bearer')
    }
  })

  it('logs refused requests too, without the token they carried', async () => {
    const wrong = 'img_' + 'y'.repeat(43)
    const lines = await logged(() => call(uploadRequest(wrong, fixture('pngsuite/basn2c08.png'))))
    expect(requestLines(lines)).toEqual([expect.objectContaining({ method: 'POST', path: '/images', status: 401, userId: null })])
    expect(lines.join('\n')).not.toContain(wrong)
  })

  it('logs the path without the query string', async () => {
    const lines = await logged(() => call('/images/00000000-0000-4000-8000-000000000000?secret=s3cr3t'))
    expect(requestLines(lines)).toEqual([expect.objectContaining({ method: 'GET', path: '/images/00000000-0000-4000-8000-000000000000', status: 404 })])
    expect(lines.join('\n')).not.toContain('s3cr3t')
  })
})
