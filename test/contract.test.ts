import { beforeAll, describe, expect, it } from 'vitest'
import type { Contract, SentRequest } from './contract'
import { BASE, call, createUser, expectConforms, loadContract } from './helpers'

// The contract check runs on every answer the tests get through `call`; here
// it is shown answers that break the document, to prove that it catches them.

let contract: Contract
beforeAll(async () => {
  contract = await loadContract()
})

const sent = (method: string, path: string, headers: Record<string, string> = {}): SentRequest => ({ method, url: `${BASE}${path}`, headers: new Headers(headers) })
const problemJson = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers } })
const notFound = { type: `${BASE}/problems/not-found`, title: 'Not found', status: 404, detail: 'No image with id x.' }

describe('the contract check', () => {
  it('passes a real answer of the service', async () => {
    const res = await call('/images/nope')
    expect(await contract.check(sent('GET', '/images/nope'), res)).toEqual([])
  })

  it('catches a problem body that misses a member', async () => {
    const { title: _, ...noTitle } = notFound
    const issues = await contract.check(sent('GET', '/images/x'), problemJson(404, noTitle))
    expect(issues.join('\n')).toMatch(/body .*title/)
  })

  it('catches a problem type that is not a URI', async () => {
    const issues = await contract.check(sent('GET', '/images/x'), problemJson(404, { ...notFound, type: 'not a uri' }))
    expect(issues.join('\n')).toMatch(/body #\/type/)
  })

  it('catches a status the operation does not document', async () => {
    const issues = await contract.check(sent('GET', '/images/x'), problemJson(418, { ...notFound, status: 418 }))
    expect(issues).toEqual([expect.stringMatching(/status 418 is not documented for GET \/images\/\{id\}/)])
  })

  it('catches a header the document does not list', async () => {
    const issues = await contract.check(sent('GET', '/images/x'), problemJson(404, notFound, { 'x-debug': '1' }))
    expect(issues).toEqual([expect.stringMatching(/header x-debug is not documented/)])
  })

  it('catches a missing required header', async () => {
    const issues = await contract.check(sent('GET', '/images'), problemJson(401, { ...notFound, status: 401, title: 'Unauthorized' }))
    expect(issues).toEqual([expect.stringMatching(/required header www-authenticate is missing/)])
  })

  it('catches a header value outside its schema', async () => {
    const tooMany = { ...notFound, status: 429, title: 'Too many requests' }
    const issues = await contract.check(sent('POST', '/images'), problemJson(429, tooMany, { 'retry-after': 'soon' }))
    expect(issues.join('\n')).toMatch(/header retry-after "soon"/)
  })

  it('catches a content type the response does not document', async () => {
    const res = new Response('{}', { status: 200, headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' } })
    expect(await contract.check(sent('GET', '/images/x'), res)).toEqual([expect.stringMatching(/content type "text\/plain" is not documented/)])
  })

  it('catches metadata that does not match the Image schema', async () => {
    const { token } = await createUser()
    const page = await (await call('/images', { headers: { authorization: `Bearer ${token}` } })).json<{ items: unknown[] }>()
    const res = new Response(JSON.stringify({ ...page, nextCursor: 42 }), { headers: { 'content-type': 'application/json', 'cache-control': 'no-store', vary: 'Origin' } })
    expect((await contract.check(sent('GET', '/images'), res)).join('\n')).toMatch(/body #\/nextCursor/)
  })

  it('catches a 404 where a 405 with Allow is due, and a wrong Allow', async () => {
    expect(await contract.check(sent('PUT', '/images/x'), problemJson(404, notFound))).toEqual([expect.stringMatching(/must be 405/)])
    const wrongAllow = problemJson(405, { ...notFound, status: 405, title: 'Method not allowed' }, { allow: 'GET' })
    expect(await contract.check(sent('PUT', '/images/x'), wrongAllow)).toEqual([expect.stringMatching(/Allow is "GET"/)])
  })

  it('fails the test that received a non-conforming answer', async () => {
    await expect(expectConforms(sent('GET', '/images/x'), problemJson(404, notFound, { 'x-debug': '1' }))).rejects.toThrow(/does not match \/openapi.json/)
  })
})
