import { beforeAll, describe, expect, it } from 'vitest'
import { app } from '../src/api/app'
import { BASE, call } from './helpers'

type Ref = { $ref: string }
type Response = { description: string; headers?: Record<string, Ref>; content?: Record<string, { schema?: { $ref?: string } }> }
type Parameter = { name: string; in: string; required?: boolean }
type Operation = {
  operationId?: string
  security?: Record<string, string[]>[]
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema: { required?: string[]; properties: Record<string, { type?: string; format?: string }> } }> }
  responses: Record<string, Response | Ref>
}
type Doc = {
  openapi: string
  servers?: { url: string }[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown>; responses: Record<string, Response>; headers: Record<string, unknown> }
}

/** A response, through its reference to `components.responses` if it has one. */
const deref = (r: Response | Ref): Response => ('$ref' in r ? doc.components.responses[r.$ref.split('/').at(-1)!]! : r)
const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ at: `${method} ${path}`, op })))

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
    // Either the token is required, or (reads that show the owner more) optional: `{}` is anonymous.
    for (const { at, op } of guarded) expect([[{ bearer: [] }], [{ bearer: [] }, {}]], at).toContainEqual(op.security)
  })

  it('describes every error answer as problem JSON, through one shared response per kind of error', () => {
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object', required: expect.arrayContaining(['type', 'title', 'status', 'detail']) })
    for (const { at, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue
        expect(response, `${at} ${status}`).toHaveProperty('$ref', expect.stringMatching(/^#\/components\/responses\//))
        expect(deref(response).content?.['application/problem+json']?.schema?.$ref, `${at} ${status}`).toBe('#/components/schemas/Problem')
      }
    }
  })

  it('names every operation and says whether it needs a token', () => {
    const ids = operations().map(({ at, op }) => {
      expect(op.operationId, at).toMatch(/^[a-z][A-Za-z]+$/)
      expect(op.security, at).toBeDefined()
      return op.operationId
    })
    expect(new Set(ids).size).toBe(ids.length)
    expect(doc.paths['/images/{id}']!.get!.security).toEqual([{ bearer: [] }, {}])
    expect(doc.paths['/files/{imageId}/{file}']!.get!.security).toEqual([])
    expect(doc.servers).toEqual([{ url: BASE, description: expect.any(String) }])
  })

  it('documents the upload form so that generated clients take a Blob', () => {
    const body = doc.paths['/images']!.post!.requestBody!
    expect(body.required).toBe(true)
    const form = body.content['multipart/form-data']!.schema
    expect(form.required).toContain('file')
    expect(form.properties.file).toMatchObject({ type: 'string', format: 'binary' })
    expect(deref(doc.paths['/images']!.post!.responses['202']!).headers).toHaveProperty('Location')
  })

  it('documents HEAD, conditional and range requests on files', () => {
    const files = doc.paths['/files/{imageId}/{file}']!
    for (const method of ['get', 'head']) {
      expect(files[method]!.parameters!.filter((p) => p.in === 'header').map((p) => p.name)).toEqual(['Range', 'If-None-Match', 'If-Range'])
      expect(Object.keys(files[method]!.responses)).toEqual(expect.arrayContaining(['200', '206', '304', '404', '416']))
    }
    expect(deref(files.get!.responses['206']!).headers).toHaveProperty('Content-Range')
    expect(deref(files.get!.responses['416']!).headers).toHaveProperty('Content-Range')
  })
})

describe('answers outside the operations', () => {
  it.each([
    ['PUT', '/images/abc', 'GET, HEAD, DELETE'],
    ['PATCH', '/images', 'GET, HEAD, POST'],
    ['POST', '/files/abc/large_1x1_0123456789abcdef.jpg', 'GET, HEAD'],
    ['OPTIONS', '/images/abc/events', 'GET, HEAD'],
  ])('%s %s is a 405 listing %s in Allow', async (method, path, allow) => {
    const res = await call(path, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(allow)
    expect(await res.json()).toMatchObject({ status: 405, type: `${BASE}/problems/method-not-allowed` })
  })

  it('answers 404 for a path that does not exist, whatever the method', async () => {
    for (const method of ['GET', 'POST']) expect((await call('/nothing/here', { method })).status).toBe(404)
  })

  it('answers 404 problem JSON for unknown routes', async () => {
    const res = await call('/nope')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })
})
