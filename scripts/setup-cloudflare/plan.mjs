// The pure parts of `npm run setup:cloudflare` (scripts/setup-cloudflare.mjs): reading the
// resource names out of the two wrangler files, rewriting their database_id in place, the plan of
// steps with their exact wrangler commands, and reading wrangler's output. Nothing here runs a
// command or touches a file, so all of it is unit-tested (test/node/setup-cloudflare.test.ts).
//
// No TOML parser is installed (wrangler bundles its own), so `readTables` reads just what a
// wrangler file is made of here: `[table]` and `[[array.of.tables]]` headers and `key = value`
// lines whose values are strings, numbers or booleans (arrays and inline tables are skipped, also
// when they span lines). Every value keeps its offsets, so a rewrite changes that value and nothing else.

export const PLACEHOLDER_DATABASE_ID = '00000000-0000-4000-8000-000000000000'
export const SIGNING_KEY_SECRET = 'URL_SIGNING_KEY'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Splits text into lines that keep their terminators, with each line's offset. */
function lines(text) {
  const out = []
  let offset = 0
  for (const line of text.split(/(?<=\n)/)) {
    out.push({ line, offset })
    offset += line.length
  }
  return out
}

/** Reads one TOML string starting at `i` (a quote); returns its value and the index after it. */
function readString(s, i) {
  const quote = s[i]
  if (s.startsWith(quote.repeat(3), i)) throw new Error('multi-line strings are not supported')
  let value = ''
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j]
    if (ch === quote) return { value, end: j + 1 }
    if (ch === '\n') break
    if (ch === '\\' && quote === '"') {
      const next = s[++j]
      const escapes = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' }
      if (next in escapes) value += escapes[next]
      else if (next === 'u' || next === 'U') {
        const len = next === 'u' ? 4 : 8
        value += String.fromCodePoint(parseInt(s.slice(j + 1, j + 1 + len), 16))
        j += len
      } else throw new Error(`bad escape \\${next}`)
    } else value += ch
  }
  throw new Error('unterminated string')
}

/** How far brackets open on this line go, ignoring strings and comments (for multi-line arrays). */
function bracketDepth(s) {
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (ch === '#') break
    if (ch === '"' || ch === "'") i = readString(s, i).end - 1
    else if (ch === '[' || ch === '{') depth++
    else if (ch === ']' || ch === '}') depth--
  }
  return depth
}

/**
 * The tables of a wrangler TOML file, in order: `{ name, array, entries }` where `entries` maps a
 * key to `{ value, start, end }` (`start`/`end`: the value's offsets in `text`). The top level is
 * the table named ''. Values other than strings, numbers and booleans are left out.
 */
export function readTables(text) {
  const tables = [{ name: '', array: false, entries: new Map() }]
  let depth = 0
  for (const [n, { line, offset }] of lines(text).entries()) {
    const where = () => `line ${n + 1}`
    if (depth > 0) {
      depth += bracketDepth(line)
      continue
    }
    const body = line.replace(/\r?\n$/, '')
    const trimmed = body.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const header = /^\s*(\[\[?)\s*([A-Za-z0-9_.\-"' ]+?)\s*(\]\]?)\s*(#.*)?$/.exec(body)
    if (header) {
      if ((header[1] === '[[') !== (header[3] === ']]')) throw new Error(`${where()}: malformed table header`)
      tables.push({ name: header[2].replace(/\s*\.\s*/g, '.').replace(/["']/g, ''), array: header[1] === '[[', entries: new Map() })
      continue
    }
    const kv = /^\s*([A-Za-z0-9_.\-]+|"[^"]*"|'[^']*')\s*=\s*/.exec(body)
    if (!kv) throw new Error(`${where()}: cannot read ${JSON.stringify(trimmed)}`)
    const key = kv[1].replace(/^["']|["']$/g, '')
    const at = kv[0].length
    const ch = body[at]
    let value
    let end
    try {
      if (ch === '"' || ch === "'") ({ value, end } = readString(body, at))
      else if (ch === '[' || ch === '{') {
        depth = bracketDepth(body.slice(at))
        continue
      } else {
        const raw = /^[^\s#]+/.exec(body.slice(at))?.[0] ?? ''
        end = at + raw.length
        if (raw === 'true' || raw === 'false') value = raw === 'true'
        else if (/^[+-]?\d[\d_]*(\.\d+)?$/.test(raw)) value = Number(raw.replace(/_/g, ''))
        else throw new Error(`unsupported value ${JSON.stringify(raw)}`)
      }
    } catch (err) {
      throw new Error(`${where()}: ${err.message}`)
    }
    const rest = body.slice(end).trim()
    if (rest !== '' && !rest.startsWith('#')) throw new Error(`${where()}: unexpected ${JSON.stringify(rest)} after the value`)
    tables.at(-1).entries.set(key, { value, start: offset + at, end: offset + end })
  }
  return tables
}

const valueOf = (table, key) => table.entries.get(key)?.value

/**
 * The resources one wrangler file names: its Worker's `name`, its D1 databases (binding, name, id),
 * R2 buckets, and every queue it produces to, consumes, or dead-letters into (in order, once each).
 */
export function resourcesOf(text) {
  const tables = readTables(text)
  const top = tables[0]
  const list = (name) => tables.filter((t) => t.name === name && t.array)
  const queues = []
  const addQueue = (q) => {
    if (typeof q === 'string' && q !== '' && !queues.includes(q)) queues.push(q)
  }
  for (const t of tables) {
    if (!t.array) continue
    if (t.name === 'queues.producers' || t.name === 'queues.consumers') addQueue(valueOf(t, 'queue'))
    if (t.name === 'queues.consumers') addQueue(valueOf(t, 'dead_letter_queue'))
  }
  return {
    worker: valueOf(top, 'name'),
    databases: list('d1_databases').map((t) => ({ binding: valueOf(t, 'binding'), name: valueOf(t, 'database_name'), id: valueOf(t, 'database_id') })),
    buckets: list('r2_buckets').map((t) => valueOf(t, 'bucket_name')).filter(Boolean),
    queues,
  }
}

/**
 * What both files need together: the one database they share (same name in both), the buckets and
 * queues of either, and the API Worker (the first file's), which holds the signing key.
 * `files` is `[{ path, text }]`, the API Worker's file first.
 */
export function readResources(files) {
  const each = files.map((f) => ({ path: f.path, ...resourcesOf(f.text) }))
  const databases = each.flatMap((f) => f.databases.map((d) => ({ ...d, path: f.path })))
  const names = [...new Set(databases.map((d) => d.name))]
  if (names.length !== 1) throw new Error(`expected one D1 database shared by ${files.map((f) => f.path).join(' and ')}, found ${names.length === 0 ? 'none' : names.join(', ')}`)
  for (const f of each) {
    if (f.databases.length === 0) throw new Error(`${f.path} has no [[d1_databases]]`)
  }
  const api = each[0]
  if (!api.worker) throw new Error(`${api.path} has no Worker name`)
  const binding = api.databases[0].binding
  if (!binding) throw new Error(`${api.path}: the [[d1_databases]] entry has no binding`)
  return {
    worker: api.worker,
    database: { name: names[0], binding, ids: databases.map((d) => ({ path: d.path, id: d.id })) },
    buckets: [...new Set(each.flatMap((f) => f.buckets))],
    // Sorted, so each queue is followed by its dead-letter queue (`x`, then `x-dlq`).
    queues: [...new Set(each.flatMap((f) => f.queues))].sort(),
  }
}

/**
 * `text` with the database_id of the [[d1_databases]] entry named `databaseName` set to `id`;
 * every other byte (comments, spacing, line endings, the quote style) stays as it was.
 * Returns `{ text, previous }` (`previous`: the id it had; the text is unchanged when it matches).
 */
export function setDatabaseId(text, databaseName, id) {
  if (!UUID.test(id)) throw new Error(`not a D1 database id: ${JSON.stringify(id)}`)
  const matches = readTables(text).filter((t) => t.name === 'd1_databases' && valueOf(t, 'database_name') === databaseName)
  if (matches.length !== 1) throw new Error(`expected one [[d1_databases]] entry with database_name = "${databaseName}", found ${matches.length}`)
  const entry = matches[0].entries.get('database_id')
  if (!entry) throw new Error(`the [[d1_databases]] entry "${databaseName}" has no database_id line to replace`)
  const quote = text[entry.start] === "'" ? "'" : '"'
  return { text: text.slice(0, entry.start) + quote + id + quote + text.slice(entry.end), previous: entry.value }
}

// ---- wrangler's output ----

const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '')

/** The JSON value a `--json` command printed (anything before it, like a warning line, skipped). */
export function parseJsonOutput(stdout) {
  const at = stdout.search(/^[[{]/m)
  if (at < 0) throw new Error('no JSON in the output')
  return JSON.parse(stdout.slice(at))
}

/** Names in `wrangler r2 bucket list` output: blocks of `name:  <bucket>` / `creation_date: …`. */
export function parseBucketList(stdout) {
  return [...stripAnsi(stdout).matchAll(/^name:\s+(\S+)\s*$/gm)].map((m) => m[1])
}

/** Queue names in one page of `wrangler queues list` (a table with `id`, `name`, … columns). */
export function parseQueueTable(stdout) {
  const rows = stripAnsi(stdout)
    .split(/\r?\n/)
    .filter((l) => /^\s*[│|]/.test(l))
    .map((l) => l.trim().replace(/^[│|]|[│|]$/g, '').split(/[│|]/).map((c) => c.trim()))
  const header = rows.findIndex((r) => r.includes('name'))
  if (header < 0) return []
  const col = rows[header].indexOf('name')
  return rows.slice(header + 1).filter((r) => r.length === rows[header].length && r[col]).map((r) => r[col])
}

/** The id of `name` in `wrangler d1 list --json`, or undefined. */
export function databaseIdIn(list, name) {
  const found = list.find((d) => d.name === name)
  return found?.uuid ?? found?.id
}

/** Secret names in `wrangler secret list` (JSON by default: `[{ name, type }]`). */
export function secretNames(stdout) {
  return parseJsonOutput(stdout).map((s) => s.name)
}

/** `wrangler secret list` failed only because the Worker was never deployed (then no secret is set). */
export const isWorkerNotFound = (stderr) => /Worker "[^"]*".* not found/.test(stripAnsi(stderr))

// ---- the plan ----

/** A command line as it is shown (and would be typed): `npx wrangler …`, quoting only if needed. */
export const show = (args) => ['npx', 'wrangler', ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')

/**
 * The wrangler commands of each step; `apiConfig` is the API Worker's file as the commands name it.
 * The provisioning run uses exactly these (scripts/setup-cloudflare.mjs).
 */
export function commands({ apiConfig, resources }) {
  return {
    whoami: ['whoami', '--json'],
    bucketList: ['r2', 'bucket', 'list'],
    bucketCreate: (name) => ['r2', 'bucket', 'create', name],
    databaseList: ['d1', 'list', '--json'],
    databaseCreate: ['d1', 'create', resources.database.name],
    queueList: (page) => (page === 1 ? ['queues', 'list'] : ['queues', 'list', '--page', String(page)]),
    queueCreate: (name) => ['queues', 'create', name],
    migrate: ['d1', 'migrations', 'apply', resources.database.binding, '--remote', '-c', apiConfig],
    secretList: ['secret', 'list', '-c', apiConfig],
    secretPut: ['secret', 'put', SIGNING_KEY_SECRET, '-c', apiConfig],
  }
}

/**
 * Every step in order, as `{ title, lines }`: what `--dry-run` prints. `files` are the wrangler
 * files as the commands name them (`[{ path, text }]`, the API Worker's first).
 */
export function plan(files) {
  const resources = readResources(files)
  const c = commands({ apiConfig: files[0].path, resources })
  const db = resources.database
  const idNow = (id) => (id === PLACEHOLDER_DATABASE_ID ? 'the placeholder' : id ? id : 'none')
  return [
    { title: 'Check the login (no login: run `npx wrangler login`, or set CLOUDFLARE_API_TOKEN)', lines: [`$ ${show(c.whoami)}`] },
    ...resources.buckets.map((b) => ({
      title: `R2 bucket ${b}: create it if it is missing`,
      lines: [`$ ${show(c.bucketList)}`, `if missing: $ ${show(c.bucketCreate(b))}`],
    })),
    {
      title: `D1 database ${db.name}: create it if it is missing, and read its id`,
      lines: [`$ ${show(c.databaseList)}`, `if missing: $ ${show(c.databaseCreate)}`, `            $ ${show(c.databaseList)}   (its id)`],
    },
    {
      title: `Write that database_id into ${files.map((f) => f.path).join(' and ')}`,
      lines: db.ids.map(({ path, id }) => `${path}: database_id (now ${idNow(id)}) of "${db.name}" replaced in place if it differs; nothing else in the file changes`),
    },
    ...resources.queues.map((q, i) => ({
      title: `Queue ${q}: create it if it is missing`,
      lines: [
        ...(i === 0 ? [`$ ${show(c.queueList(1))}   (then ${show(c.queueList(2)).replace(/^npx wrangler /, '')}, … until a page is empty; listed once for all queues)`] : []),
        `if missing: $ ${show(c.queueCreate(q))}`,
      ],
    })),
    { title: `Apply the D1 migrations remotely (the ones not applied yet)`, lines: [`$ ${show(c.migrate)}`] },
    {
      title: `Secret ${SIGNING_KEY_SECRET} on the Worker ${resources.worker}: set it if it is not set (an existing key is kept)`,
      lines: [
        `$ ${show(c.secretList)}`,
        `if not set: 32 random bytes, base64url, piped into $ ${show(c.secretPut)}   (the key is never printed)`,
      ],
    },
  ]
}

export function formatPlan(steps) {
  const width = String(steps.length).length
  return steps.map((s, i) => [`${String(i + 1).padStart(width)}. ${s.title}`, ...s.lines.map((l) => `${' '.repeat(width + 2)}${l}`)].join('\n')).join('\n')
}
