/** GET /problems/{kind}: the page every problem `type` points at. */
import { describe, expect, it } from 'vitest'
import { PROBLEM_KINDS } from '../../src/lib/problem'
import { BASE, call } from '../helpers'
import { expectProblem, isPublic, type Headers } from './auth'

describe('happy path', () => {
  it.each(Object.keys(PROBLEM_KINDS))('%s resolves to a page of the service', async (kind) => {
    const res = await call(`/problems/${kind}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const page = await res.text()
    expect(page).toContain(`<h1>${PROBLEM_KINDS[kind as keyof typeof PROBLEM_KINDS].title}</h1>`)
  })

  it('the type of a real answer is such a page', async () => {
    const problem = await (await call('/images/none')).json<{ type: string; title: string }>()
    const page = await call(new Request(problem.type))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(`<h1>${problem.title}</h1>`)
  })
})

describe('errors', () => {
  it('an unknown kind is a 404', async () => {
    expect((await call('/problems/no-such-kind')).status).toBe(404)
  })

  it('an inherited property name is no kind either', async () => {
    await expectProblem(await call('/problems/constructor'), 404)
  })
})

describe('security', () => {
  isPublic({ request: (headers: Headers) => new Request(`${BASE}/problems/unauthorized`, { headers }) })

  it('pages cannot run script: no-sniff and a CSP that allows nothing', async () => {
    const res = await call('/problems/not-found')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'")
  })

  it('answers markup in an unknown kind with problem JSON, never an HTML page that echoes it', async () => {
    const res = await call(`/problems/${encodeURIComponent('<script>alert(1)</script>')}`)
    const problem = await expectProblem(res, 404)
    expect(res.headers.get('content-type')).not.toMatch(/html/)
    expect(problem.detail).toContain('<script>')
  })
})
