// Creates a user and an API token in D1 and prints the token as the last line.
// Usage: npm run user:create -- <name> [--remote | --persist-to <dir>]
// Only the token's SHA-256 is stored; the token itself is shown once, here.
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'

const args = process.argv.slice(2)
const remote = args.includes('--remote')
// --persist-to <dir>: the local state folder, when wrangler dev was started with one (tests do).
const persistAt = args.indexOf('--persist-to')
const persistTo = persistAt >= 0 ? args[persistAt + 1] : undefined
const optionIndexes = new Set(persistAt >= 0 ? [persistAt, persistAt + 1] : [])
const name = args.filter((a, i) => a !== '--remote' && !optionIndexes.has(i)).join(' ').trim()
if (!name || (persistAt >= 0 && !persistTo)) {
  console.error('Usage: npm run user:create -- <name> [--remote | --persist-to <dir>]')
  process.exit(2)
}

const where = remote ? ['--remote'] : ['--local', ...(persistTo ? ['--persist-to', persistTo] : [])]
const wrangler = (...rest) => execFileSync('npx', ['wrangler', ...rest], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`

wrangler('d1', 'migrations', 'apply', 'DB', ...where)
const userId = randomUUID()
const token = 'img_' + randomBytes(32).toString('base64url')
const tokenHash = createHash('sha256').update(token).digest('hex')
wrangler(
  'd1', 'execute', 'DB', ...where, '--command',
  `INSERT INTO users (id, name) VALUES (${sqlString(userId)}, ${sqlString(name)});` +
    ` INSERT INTO api_tokens (id, user_id, token_hash) VALUES (${sqlString(randomUUID())}, ${sqlString(userId)}, ${sqlString(tokenHash)});`,
)
console.log(`Created user ${name} (${userId}). API token (shown once):`)
console.log(token)
