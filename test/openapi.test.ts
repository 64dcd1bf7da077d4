import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/api/app'
import { call } from './helpers'

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } }

let doc: Doc
beforeAll(async () => {
  const res = await call('/openapi.json')
  expect(res.status).toBe(200)
  doc = await res.json<Doc>()
})

/** `{id}` and `:id` alike become `{}`, so Hono and OpenAPI paths compare. */
const openApiShape = (path: string) => path.replace(/\{[^}]+\}/g, '{}')
/** A Hono route path as a pattern over OpenAPI paths: `:id` is one parameter, `*` any rest of the path. */
function honoPattern(path: string) {
  const escaped = path.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, '\u0000').replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^${escaped.replace(/\u0000/g, '\\{\\}').replace(/\*/g, '.+')}$`)
}

/** Every (method, path) the app really serves, read from the app itself; `ALL` entries are middleware. */
const served = [...new Map(app.routes.filter((r) => r.method !== 'ALL').map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path }])).values()]

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(served.length).toBeGreaterThanOrEqual(6)
  })

  it.each(served.map((r) => [`${r.method} ${r.path}`, r] as const))('documents %s', (_, route) => {
    const pattern = honoPattern(route.path)
    // HEAD is answered by every GET route, so a documented GET covers it.
    const methods = route.method === 'HEAD' ? ['head', 'get'] : [route.method.toLowerCase()]
    const documented = Object.entries(doc.paths).filter(([path, ops]) => pattern.test(openApiShape(path)) && methods.some((m) => m in ops))
    expect(documented.map(([path]) => path), `${route.method} ${route.path} is served but not in /openapi.json`).not.toEqual([])
  })

  it('documents no route the app does not serve', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const match = served.some((r) => r.method === method.toUpperCase() && honoPattern(r.path).test(openApiShape(path)))
        expect(match, `${method.toUpperCase()} ${path} is documented but not served`).toBe(true)
      }
    }
  })

  it('declares bearer auth on every operation that can answer 401', () => {
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' })
    const guarded = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => '401' in op.responses).map(([m, op]) => ({ at: `${m} ${path}`, op })))
    expect(guarded.map((g) => g.at)).toContain('post /images')
    for (const { at, op } of guarded) expect(op.security, at).toEqual([{ bearer: [] }])
  })

  it('describes every error answer as problem JSON', () => {
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object', required: expect.arrayContaining(['type', 'title', 'status', 'detail']) })
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue
          expect(response.content?.['application/problem+json']?.schema?.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/Problem')
        }
      }
    }
  })
})
