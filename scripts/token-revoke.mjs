// Revokes API tokens in D1: one token, or every token of a user (by id or name).
// Usage: npm run token:revoke -- <token | user-id | user-name> [--remote | --persist-to <dir>]
// A token is matched by its SHA-256 (the only thing stored) and never printed.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'

const args = process.argv.slice(2)
const remote = args.includes('--remote')
const persistAt = args.indexOf('--persist-to')
const persistTo = persistAt >= 0 ? args[persistAt + 1] : undefined
const target = args.filter((a, i) => a !== '--remote' && i !== persistAt && i !== persistAt + 1).join(' ').trim()
if (!target || (persistAt >= 0 && !persistTo)) {
  console.error('Usage: npm run token:revoke -- <token | user-id | user-name> [--remote | --persist-to <dir>]')
  process.exit(2)
}

const where = remote ? ['--remote'] : ['--local', ...(persistTo ? ['--persist-to', persistTo] : [])]
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`
const d1 = (command) =>
  JSON.parse(execFileSync('npx', ['wrangler', 'd1', 'execute', 'DB', ...where, '--json', '--command', command], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' }))

// Tokens look like `img_<base64url>` (scripts/user-create.mjs); anything else names a user.
const isToken = /^img_[A-Za-z0-9_-]{16,}$/.test(target)
const now = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`
const condition = isToken
  ? `token_hash = ${sqlString(createHash('sha256').update(target).digest('hex'))}`
  : `user_id IN (SELECT id FROM users WHERE id = ${sqlString(target)} OR name = ${sqlString(target)})`
const [result] = d1(`UPDATE api_tokens SET revoked_at = ${now} WHERE revoked_at IS NULL AND ${condition} RETURNING id, user_id`)
const revoked = result?.results ?? []
const what = isToken ? 'the given token' : `user ${target}`
if (revoked.length === 0) {
  console.error(`No active token found for ${what} (already revoked, or unknown).`)
  process.exit(1)
}
console.log(`Revoked ${revoked.length} token(s) for ${what}: ${revoked.map((r) => r.id).join(', ')}`)
