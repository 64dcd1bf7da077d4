/**
 * The token scripts against a real local D1 (wrangler's, in a temporary
 * state folder): a token created by `user:create` is revoked by
 * `token:revoke`, by token or by user name, and the script never prints it.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const state = mkdtempSync(join(tmpdir(), 'token-revoke-'))
afterAll(() => rmSync(state, { recursive: true, force: true }))

const npm = (...args: string[]) => spawnSync('npm', ['run', '-s', ...args, '--persist-to', state], { encoding: 'utf8' })
const createUser = (name: string) => {
  const out = npm('user:create', '--', name)
  expect(out.status, out.stderr).toBe(0)
  // stdout is the token alone, so `TOKEN=$(npm run -s user:create -- alice)` works.
  expect(out.stdout).toMatch(/^img_[A-Za-z0-9_-]{43}\n$/)
  return out.stdout.trim()
}
const users = () => {
  const out = execFileSync('npx', ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', 'SELECT name FROM users ORDER BY name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  return (JSON.parse(out)[0].results as { name: string }[]).map((r) => r.name)
}
const activeTokens = () => {
  const out = execFileSync('npx', ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', state, '--json', '--command', 'SELECT u.name AS name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.revoked_at IS NULL ORDER BY u.name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  return (JSON.parse(out)[0].results as { name: string }[]).map((r) => r.name)
}

describe('npm run user:create and token:revoke', () => {
  it('revokes one token, then every token of a user, and never prints a token', async () => {
    const alice = createUser('alice')
    createUser('bob')
    const bob2 = createUser('bob')
    expect(alice).toMatch(/^img_[A-Za-z0-9_-]{43}$/)
    // A second user:create of a name issues another token to the same user.
    expect(users()).toEqual(['alice', 'bob'])
    expect(activeTokens()).toEqual(['alice', 'bob', 'bob'])

    const byToken = npm('token:revoke', '--', alice)
    expect(byToken.status).toBe(0)
    expect(byToken.stdout + byToken.stderr).not.toContain(alice)
    expect(activeTokens()).toEqual(['bob', 'bob'])
    // Again: nothing left to revoke, said so with a non-zero exit.
    expect(npm('token:revoke', '--', alice).status).toBe(1)

    const byName = npm('token:revoke', '--', 'bob')
    expect(byName.status).toBe(0)
    expect(byName.stdout).toMatch(/Revoked 2 token/)
    expect(byName.stdout + byName.stderr).not.toContain(bob2)
    expect(activeTokens()).toEqual([])
  })
})
