// The provisioning run of `npm run setup:cloudflare` (scripts/setup-cloudflare.mjs), in the order of
// `plan()` and with exactly its commands. Everything it does goes through what it is given (`exec`
// runs one wrangler command, `read`/`write` a wrangler file), so the tests run it against a fake
// account (test/node/setup-cloudflare.test.ts).
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import {
  commands,
  databaseIdIn,
  isWorkerNotFound,
  parseBucketList,
  parseJsonOutput,
  parseQueueTable,
  readResources,
  secretNames,
  setDatabaseId,
  show,
  SIGNING_KEY_SECRET,
} from './plan.mjs'

/** A failure to report as it is (its message says what failed and what to do), with exit code 1. */
export class SetupError extends Error {}

export const LOGIN_HINT = 'Log in with `npx wrangler login` (or set CLOUDFLARE_API_TOKEN to an API token), then run `npm run setup:cloudflare` again.'

function failure(args, result, redact) {
  let output = (result.stderr.trim() || result.stdout.trim() || '(no output)').replace(/\n{3,}/g, '\n\n')
  if (redact) output = output.split(redact).join('<redacted>')
  const all = `${result.stderr}\n${result.stdout}`
  let hint = ''
  if (/not (logged in|authenticated)|wrangler login|authentication error|invalid (access|api) token|code: (10000|9106|9109)\b/i.test(all)) hint = `\n\n${LOGIN_HINT}`
  else if (/More than one account available/i.test(all)) hint = '\n\nSet CLOUDFLARE_ACCOUNT_ID to the account to use, then run again.'
  return new SetupError(`✘ \`${show(args)}\` failed (exit ${result.status}):\n${output}${hint}`)
}

/**
 * Provisions everything, in the order of `plan()`. `exec(args, { input })` runs one wrangler command
 * and returns `{ status, stdout, stderr }`; `read`/`write` read and write a wrangler file.
 * Throws a SetupError naming the failed command and its output; returns what it did.
 */
export function provision({ files, exec, read = (f) => readFileSync(f, 'utf8'), write = (f, t) => writeFileSync(f, t), log = console.log, env = process.env, randomKey = () => randomBytes(32).toString('base64url') }) {
  const resources = readResources(files)
  const c = commands({ apiConfig: files[0].path, resources })
  const done = { created: [], existing: [], wrote: [], secret: 'kept' }
  const must = (args, opts, redact) => {
    const r = exec(args, opts)
    if (r.status !== 0) throw failure(args, r, redact)
    return r
  }

  // 1. Logged in, and to which account.
  const who = exec(c.whoami)
  let user
  try {
    user = parseJsonOutput(who.stdout)
  } catch {
    if (who.status !== 0) throw failure(c.whoami, who)
    throw new SetupError(`✘ \`${show(c.whoami)}\` printed no JSON:\n${who.stdout.trim()}`)
  }
  if (!user.loggedIn) throw new SetupError(`✘ Not logged in to Cloudflare${user.reason ? ` (${user.reason})` : ''}. ${LOGIN_HINT}`)
  if (who.status !== 0) throw failure(c.whoami, who)
  const accounts = user.accounts ?? []
  if (accounts.length > 1 && !env.CLOUDFLARE_ACCOUNT_ID) {
    throw new SetupError(`✘ This login has ${accounts.length} accounts; set CLOUDFLARE_ACCOUNT_ID to the one to use:\n${accounts.map((a) => `  ${a.id}  ${a.name}`).join('\n')}`)
  }
  const account = accounts.find((a) => a.id === env.CLOUDFLARE_ACCOUNT_ID) ?? accounts[0]
  log(`Logged in${user.email ? ` as ${user.email}` : ''}${account ? `, account ${account.name} (${account.id})` : ''}.`)

  const have = (kind, name) => {
    done.existing.push(`${kind} ${name}`)
    log(`✓ ${kind} ${name} exists`)
  }
  const created = (kind, name) => {
    done.created.push(`${kind} ${name}`)
    log(`+ ${kind} ${name} created`)
  }

  // 2. R2.
  if (resources.buckets.length > 0) {
    const buckets = parseBucketList(must(c.bucketList).stdout)
    for (const b of resources.buckets) {
      if (buckets.includes(b)) have('R2 bucket', b)
      else {
        must(c.bucketCreate(b))
        created('R2 bucket', b)
      }
    }
  }

  // 3. D1, and its id.
  const db = resources.database
  const listDatabases = () => {
    const r = must(c.databaseList)
    try {
      return parseJsonOutput(r.stdout)
    } catch (err) {
      throw new SetupError(`✘ \`${show(c.databaseList)}\` printed no readable JSON (${err.message}):\n${r.stdout.trim()}`)
    }
  }
  let id = databaseIdIn(listDatabases(), db.name)
  if (id) have('D1 database', `${db.name} (${id})`)
  else {
    const out = must(c.databaseCreate)
    id = /database_id\W+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(out.stdout)?.[1] ?? databaseIdIn(listDatabases(), db.name)
    if (!id) throw new SetupError(`✘ Created the D1 database ${db.name}, but could not read its id from \`${show(c.databaseCreate)}\` or \`${show(c.databaseList)}\`.\n${out.stdout.trim()}`)
    created('D1 database', `${db.name} (${id})`)
  }

  // 4. The id into both files: only the database_id value changes (read again now: the file may have been edited meanwhile).
  for (const f of files) {
    const before = read(f.file)
    const { text, previous } = setDatabaseId(before, db.name, id)
    if (text === before) log(`✓ ${f.path} has database_id ${id}`)
    else {
      write(f.file, text)
      done.wrote.push(f.path)
      log(`+ ${f.path}: database_id ${previous ?? '(none)'} -> ${id}`)
    }
  }

  // 5. Queues: every page of the list, then what is missing.
  if (resources.queues.length > 0) {
    const queues = new Set()
    for (let page = 1; page <= 100; page++) {
      const names = parseQueueTable(must(c.queueList(page)).stdout)
      const fresh = names.filter((n) => !queues.has(n))
      for (const n of fresh) queues.add(n)
      if (fresh.length === 0) break
    }
    for (const q of resources.queues) {
      if (queues.has(q)) have('queue', q)
      else {
        must(c.queueCreate(q))
        created('queue', q)
      }
    }
  }

  // 6. Migrations.
  const migrated = must(c.migrate).stdout.trim()
  log(`✓ migrations applied (\`${show(c.migrate)}\`)${migrated ? `\n${migrated.replace(/^/gm, '    ')}` : ''}`)

  // 7. The signing key, only if the Worker has none.
  const listed = exec(c.secretList)
  let secrets
  if (listed.status === 0) secrets = secretNames(listed.stdout)
  else if (isWorkerNotFound(`${listed.stderr}\n${listed.stdout}`)) {
    secrets = []
    log(`  the Worker ${resources.worker} is not deployed yet: \`wrangler secret put\` creates it (an empty draft until \`npm run deploy\`)`)
  } else throw failure(c.secretList, listed)
  if (secrets.includes(SIGNING_KEY_SECRET)) log(`✓ secret ${SIGNING_KEY_SECRET} is set on ${resources.worker} (kept)`)
  else {
    const key = randomKey()
    must(c.secretPut, { input: key }, key)
    done.secret = 'set'
    log(`+ secret ${SIGNING_KEY_SECRET} set on ${resources.worker} (32 random bytes; not shown, not stored anywhere else)`)
  }
  return done
}
