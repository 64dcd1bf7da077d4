/**
 * The security checks every route's `describe('security')` calls, so that no route can skip one:
 * - an authenticated route answers every missing, malformed, unknown or revoked token with the
 *   same 401 problem and a Bearer challenge, before it looks at the resource, and stores nothing;
 * - someone else's resource answers exactly like an unknown id (ids are never confirmed);
 * - a public route needs no token, gives everyone the same answer whatever Authorization they
 *   send, and never carries owner-only data (the token, its hash, the owner's name or other images).
 * All through the real app and its contract check (`call`).
 */
import { env } from 'cloudflare:workers'
import { beforeAll, expect, it } from 'vitest'
import { sha256Hex } from '../../src/lib/crypto'
import { fixture } from '../fixtures'
import { BASE, call, createUser, storageCounts, uploadRequest } from '../helpers'

export type Headers = Record<string, string>
export type User = { userId: string; token: string }

export const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` })

/** A token of the right shape that was never issued. */
export const unknownToken = () => 'img_' + crypto.randomUUID().replaceAll('-', '') + 'x'.repeat(16)

/** Authorization values that are not `Bearer <token>`; `token` is a valid one, so only the shape is wrong. */
export const malformedAuthorization = (token: string): [string, string][] => [
  ['no scheme', token],
  ['Basic scheme', `Basic ${btoa(`alice:${token}`)}`],
  ['scheme only', 'Bearer'],
  ['empty token', 'Bearer '],
  ['too short', 'Bearer img_abc'],
  ['two tokens', `Bearer ${token} ${token}`],
  ['trailing junk', `Bearer ${token}!`],
  ['far too long', `Bearer ${token}${'a'.repeat(300)}`],
  ['quoted', `Bearer "${token}"`],
]

export async function revoke(user: User) {
  await env.DB.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ?').bind(Date.now(), user.userId).run()
}

/** A problem answer of this status; returns its body. */
export async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = await res.json<any>()
  expect(problem).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) })
  return problem
}

/** The 401 every authenticated route gives: problem JSON of type `unauthorized` with a Bearer challenge. */
export async function expectUnauthorized(res: Response, detail: RegExp) {
  const problem = await expectProblem(res, 401)
  expect(problem).toMatchObject({ type: `${BASE}/problems/unauthorized`, title: 'Unauthorized' })
  expect(problem.detail).toMatch(detail)
  expect(res.headers.get('www-authenticate')).toBe('Bearer realm="images"')
  return problem
}

/**
 * A route under test. `request` builds it with these headers, aimed at `target` (an image id or a
 * file URL, whatever `create` made; routes that act on no one resource ignore it).
 */
export interface RouteUnderTest {
  request: (headers: Headers, target: string) => Request
  /** Makes what the route acts on, owned by this user; returns the target. */
  create?: (owner: User) => Promise<string>
}

/**
 * Registers the token tests of an authenticated route. With `queue` (the file's `captureQueue()`),
 * a refused request must also have sent nothing to it.
 */
export function requiresToken(route: RouteUnderTest, queue?: { sent: unknown[] }) {
  let owner: User
  let target: string
  beforeAll(async () => {
    owner = await createUser('token-owner')
    target = route.create ? await route.create(owner) : 'none'
  })

  /** Sends the request, expects the 401 and that nothing was stored or queued; returns the problem. */
  async function refused(headers: Headers, detail: RegExp, to = target) {
    const before = await storageCounts()
    const queued = queue?.sent.length ?? 0
    const problem = await expectUnauthorized(await call(route.request(headers, to)), detail)
    expect(await storageCounts()).toEqual(before)
    expect(queue?.sent.length ?? 0).toBe(queued)
    return problem
  }

  it('answers 401 with a Bearer challenge to a request without Authorization', async () => {
    await refused({}, /Authorization: Bearer <token>/)
  })

  // The shapes are built around the owner's valid token, so only the shape is wrong.
  it.each(malformedAuthorization('').map(([shape], i) => [shape, i] as const))('answers 401 to a malformed Authorization (%s)', async (_shape, i) => {
    await refused({ authorization: malformedAuthorization(owner.token)[i]![1] }, /Authorization: Bearer <token>/)
  })

  it('takes the scheme name in any case (RFC 9110 §11.1): a valid token as `bearer` is not refused', async () => {
    for (const scheme of ['bearer', 'BEARER']) {
      const res = await call(route.request({ authorization: `${scheme} ${owner.token}` }, target))
      expect(res.status, scheme).not.toBe(401)
      await res.arrayBuffer()
    }
  })

  it('answers 401 to a well-formed token that was never issued', async () => {
    await refused(bearer(unknownToken()), /unknown or revoked/)
  })

  it('answers 401 to a revoked token, exactly as to an unknown one, and revoking changes nothing else', async () => {
    const user = await createUser('soon-revoked')
    const mine = route.create ? await route.create(user) : 'none'
    await revoke(user)
    const revoked = await refused(bearer(user.token), /unknown or revoked/, mine)
    const unknown = await refused(bearer(unknownToken()), /unknown or revoked/, mine)
    expect(revoked).toEqual(unknown)
  })

  if (route.create) {
    it('answers a caller without a token the same for an existing and an unknown id', async () => {
      const existing = await refused({}, /Bearer/)
      const unknown = await refused({}, /Bearer/, crypto.randomUUID())
      expect(existing).toEqual(unknown)
    })
  }
}

/**
 * Registers the test that someone else's resource answers 404 exactly like an unknown id and is
 * left as it was. `snapshot(target)` says what must not change (defaults to the storage counts).
 */
export function othersResourceIsUnknown(route: Required<RouteUnderTest> & { snapshot?: (target: string) => Promise<unknown> }) {
  it("answers 404 to another user's resource, exactly like an unknown id, and changes nothing", async () => {
    const owner = await createUser('owner')
    const stranger = await createUser('stranger')
    const target = await route.create(owner)
    const snapshot = async () => ({ storage: await storageCounts(), route: await route.snapshot?.(target) })
    const before = await snapshot()
    const theirsRes = await call(route.request(bearer(stranger.token), target))
    const unknownId = crypto.randomUUID()
    const unknownRes = await call(route.request(bearer(stranger.token), unknownId))
    // The bookmark is where each request's D1 session got to, which other writes move on (the same queries ran for both).
    const headersOf = (res: Response) => [...res.headers].filter(([name]) => name !== 'content-length' && name !== 'x-d1-bookmark')
    expect(headersOf(theirsRes)).toEqual(headersOf(unknownRes))
    const theirs = await expectProblem(theirsRes, 404)
    const unknown = await expectProblem(unknownRes, 404)
    expect({ ...theirs, detail: theirs.detail.replace(target, '<id>') }).toEqual({ ...unknown, detail: unknown.detail.replace(unknownId, '<id>') })
    expect(await snapshot()).toEqual(before)
  })
}

/** Everything a client can read of an answer: status, headers and body (as bytes, which may be an image; as text to search). */
async function readable(res: Response) {
  const bytes = new Uint8Array(await res.arrayBuffer())
  return { status: res.status, headers: [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n'), bytes, body: new TextDecoder().decode(bytes) }
}

/**
 * A public read that shows its owner more (owner-only fields of an image): `strip` takes a body
 * (text) to what anyone may see, so the owner's answer must be the public one plus those fields.
 */
export interface OwnerView {
  strip: (body: string) => unknown
}

/**
 * Registers the tests of a public route: it answers without a token, and the same to anyone
 * (the owner, another user, a revoked or malformed token), and what it answers carries no
 * owner-only data. `create` should leave the resource in a steady state (an event stream of a
 * finished image ends by itself). `volatile` names headers that may differ between two reads
 * (an edge-cache hit adds some).
 */
export function isPublic(route: RouteUnderTest & { status?: number; volatile?: string[]; ownerView?: OwnerView }) {
  let owner: User
  let target: string
  let otherImage: string
  beforeAll(async () => {
    // A name that would stand out anywhere it leaked.
    owner = await createUser(`owner-name-${crypto.randomUUID()}`)
    target = route.create ? await route.create(owner) : 'none'
    // Another image of the same owner: a public answer about one image never names it.
    const other = await call(uploadRequest(owner.token, fixture('pngsuite/basn0g08.png')))
    expect(other.status).toBe(202)
    otherImage = (await other.json<any>()).id
  })

  const stable = (answer: Awaited<ReturnType<typeof readable>>) => ({
    ...answer,
    // The D1 bookmark says where that request's session got to: it differs between any two reads.
    headers: answer.headers.split('\n').filter((line) => ![...(route.volatile ?? []), 'x-d1-bookmark'].some((h) => line.startsWith(`${h}:`))).join('\n'),
  })

  it('answers without a token, and the same whatever Authorization is sent', async () => {
    const stranger = await createUser('stranger')
    const revoked = await createUser('revoked')
    await revoke(revoked)
    const anonymous = await readable(await call(route.request({}, target)))
    expect(anonymous.status).toBe(route.status ?? 200)
    expect(anonymous.headers).not.toMatch(/www-authenticate/i)
    if (route.ownerView) {
      // Another user's valid token reads what anyone reads; a token that is not valid is refused, never read as anonymous.
      expect(stable(await readable(await call(route.request(bearer(stranger.token), target))))).toEqual(stable(anonymous))
      for (const headers of [bearer(revoked.token), bearer(unknownToken()), { authorization: 'Basic x' }]) {
        await expectUnauthorized(await call(route.request(headers, target)), /Bearer|unknown or revoked/)
      }
      const mine = await readable(await call(route.request(bearer(owner.token), target)))
      expect(mine.status).toBe(anonymous.status)
      expect(route.ownerView.strip(mine.body)).toEqual(route.ownerView.strip(anonymous.body))
      expect(mine.body).not.toEqual(anonymous.body)
      return
    }
    for (const headers of [bearer(owner.token), bearer(stranger.token), bearer(revoked.token), bearer(unknownToken()), { authorization: 'Basic x' }]) {
      expect(stable(await readable(await call(route.request(headers, target)))), headers.authorization).toEqual(stable(anonymous))
    }
  })

  it("never carries owner-only data: the owner's token, its hash, name or other images", async () => {
    const answer = await readable(await call(route.request(route.ownerView ? {} : bearer(owner.token), target)))
    const text = `${answer.headers}\n${answer.body}`
    const name = (await env.DB.prepare('SELECT name FROM users WHERE id = ?').bind(owner.userId).first<string>('name'))!
    for (const secret of [owner.token, owner.token.slice(4), await sha256Hex(owner.token), name]) expect(text).not.toContain(secret)
    expect(text).not.toContain(otherImage)
    // Read anonymously, an answer that shows its owner more does not even say who that is.
    if (route.ownerView) expect(text).not.toContain(owner.userId)
  })
}
