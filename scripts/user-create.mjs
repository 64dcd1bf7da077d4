// Creates a user (or reuses the one of that name) and a new API token in D1.
// Usage: npm run user:create -- <name> [--remote | --persist-to <dir>]
// The token alone goes to stdout, so `TOKEN=$(npm run -s user:create -- alice)`
// captures it; everything else goes to stderr. Only the token's SHA-256 is stored.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
// The token format is defined once, in the Worker's source (Node strips its types).
import { newToken, tokenHash as hashOf } from '../src/lib/token.ts'

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
// wrangler's own chatter is shown only when it fails.
const wrangler = (...rest) => {
  try {
    return execFileSync('npx', ['wrangler', ...rest], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`)
    process.exit(1)
  }
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`

wrangler('d1', 'migrations', 'apply', 'DB', ...where)
const newId = randomUUID()
const token = newToken()
const tokenHash = await hashOf(token)
const userOfName = `(SELECT id FROM users WHERE name = ${sqlString(name)} ORDER BY created_at, id LIMIT 1)`
// One round trip: the user is created only if no user has that name; the token goes to whichever exists.
const out = wrangler(
  'd1', 'execute', 'DB', ...where, '--json', '--command',
  `INSERT INTO users (id, name) SELECT ${sqlString(newId)}, ${sqlString(name)} WHERE NOT EXISTS (SELECT 1 FROM users WHERE name = ${sqlString(name)});` +
    ` INSERT INTO api_tokens (id, user_id, token_hash) VALUES (${sqlString(randomUUID())}, ${userOfName}, ${sqlString(tokenHash)});` +
    ` SELECT ${userOfName} AS id;`,
)
const userId = JSON.parse(out).at(-1).results[0].id
console.error(userId === newId ? `Created user ${name} (${userId}). API token (shown once):` : `User ${name} exists (${userId}): issued another API token for it (shown once):`)
console.log(token)
