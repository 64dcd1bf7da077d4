/**
 * `npm run setup:cloudflare` (scripts/setup-cloudflare.mjs): the dry run on a fresh clone (no
 * credentials, no network, no child processes, no file writes: all enforced on the child), the pure
 * parts (names read from the wrangler files, the database_id rewrite that changes one value and not
 * a byte more, wrangler's output), and the provisioning run against a fake account (everything
 * created once, nothing the second time, the key never printed, failures stop with the command).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  PLACEHOLDER_DATABASE_ID,
  parseBucketList,
  parseQueueTable,
  plan,
  readResources,
  readTables,
  setDatabaseId,
  isWorkerNotFound,
} from '../../scripts/setup-cloudflare/plan.mjs'
import { provision, SetupError, type ExecResult } from '../../scripts/setup-cloudflare/provision.mjs'

const root = resolve(import.meta.dirname, '../..')
const script = join(root, 'scripts/setup-cloudflare.mjs')
const CONFIGS = ['wrangler.toml', 'wrangler.processor.toml']
const QUEUES = ['image-variants', 'image-variants-dlq', 'image-webhooks', 'image-webhooks-dlq']
const REAL_ID = '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b'

const temps: string[] = []
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')
const read = (file: string) => readFileSync(join(root, file), 'utf8')

/** Loaded before the script: any socket, DNS lookup or fetch throws (Node 24's permission model has no network switch). */
const NO_NETWORK = `data:text/javascript,${encodeURIComponent(`
import net from 'node:net'; import tls from 'node:tls'; import dns from 'node:dns';
const no = (what) => () => { throw new Error('network used: ' + what) };
net.connect = net.createConnection = net.Socket.prototype.connect = no('net.connect');
tls.connect = no('tls.connect'); dns.lookup = dns.resolve = no('dns'); dns.promises.lookup = no('dns');
globalThis.fetch = no('fetch');
`)}`

/**
 * Runs `node [flags] <args>` as a fresh clone without an account would: HOME an empty folder (so no
 * wrangler login), no Cloudflare variables, no proxy; under Node's permission model reading only
 * the scripts and `readable`, writing nothing, starting no process (so wrangler cannot run), and
 * with no network.
 */
function runIsolated(args: string[], readable: string[]) {
  const home = tempDir('setup-cf-home-')
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: join(home, '.config'), NO_COLOR: '1' }
  const flags = ['--permission', ...[join(root, 'scripts'), ...readable].map((p) => `--allow-fs-read=${p}`), `--import=${NO_NETWORK}`]
  return spawnSync(process.execPath, [...flags, ...args], { cwd: home, env, encoding: 'utf8' })
}

describe('setup:cloudflare --dry-run', () => {
  it('prints every step in order, on a fresh clone with no credentials, no network and no writes, and exits 0', () => {
    const dir = tempDir('setup-cf-configs-')
    for (const f of CONFIGS) copyFileSync(join(root, f), join(dir, f))
    const before = Object.fromEntries([...CONFIGS.map((f) => join(dir, f)), ...CONFIGS.map((f) => join(root, f))].map((f) => [f, sha(f)]))

    const out = runIsolated([script, '--dry-run', '--config-dir', dir], [dir])
    expect(out.stderr).toBe('')
    expect(out.status).toBe(0)
    const text = out.stdout
    const c = (name: string) => join(dir, name)
    // Each resource, with its exact command, and in this order.
    const expected = [
      'npx wrangler whoami --json',
      'npx wrangler r2 bucket list',
      'npx wrangler r2 bucket create image-service-images',
      'npx wrangler d1 list --json',
      'npx wrangler d1 create image-service',
      `${c('wrangler.toml')}: database_id (now the placeholder)`,
      `${c('wrangler.processor.toml')}: database_id (now the placeholder)`,
      'npx wrangler queues list',
      ...QUEUES.map((q) => `npx wrangler queues create ${q}\n`),
      `npx wrangler d1 migrations apply DB --remote -c ${c('wrangler.toml')}`,
      `npx wrangler secret list -c ${c('wrangler.toml')}`,
      `npx wrangler secret put URL_SIGNING_KEY -c ${c('wrangler.toml')}`,
    ]
    let at = 0
    for (const line of expected) {
      const found = text.indexOf(line, at)
      expect(found, `${JSON.stringify(line)} after offset ${at} in:\n${text}`).toBeGreaterThanOrEqual(0)
      at = found + line.length
    }
    expect(text).toMatch(/Write that database_id into .*wrangler\.toml and .*wrangler\.processor\.toml/)
    expect(text).toContain('URL_SIGNING_KEY on the Worker image-service')
    expect(text).toContain('Dry run: nothing is run or changed')
    // Not a byte changed, in the copies or in the repository's files.
    for (const [f, hash] of Object.entries(before)) expect(sha(f), f).toBe(hash)
  })

  it('runs from the repository as `npm run setup:cloudflare -- --dry-run` does, naming the files as they are typed', () => {
    const before = CONFIGS.map((f) => sha(join(root, f)))
    const out = runIsolated([script, '--dry-run'], CONFIGS.map((f) => join(root, f)))
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout).toContain('npx wrangler d1 migrations apply DB --remote -c wrangler.toml\n')
    expect(out.stdout).toContain('Write that database_id into wrangler.toml and wrangler.processor.toml')
    expect(CONFIGS.map((f) => sha(join(root, f)))).toEqual(before)
  })

  it('the isolation is real: in it, a fetch, a child process and a write all fail', () => {
    const dir = tempDir('setup-cf-probe-')
    const probe = join(dir, 'probe.mjs')
    writeFileSync(probe, `
      const results = []
      try { await fetch('https://api.cloudflare.com/'); results.push('fetch ok') } catch { results.push('fetch blocked') }
      try { (await import('node:child_process')).spawnSync('npx', ['wrangler', '--version']).error ? results.push('spawn blocked') : results.push('spawn ok') } catch { results.push('spawn blocked') }
      try { (await import('node:fs')).writeFileSync(${JSON.stringify(join(dir, 'x'))}, 'x'); results.push('write ok') } catch { results.push('write blocked') }
      console.log(results.join(','))`)
    const out = runIsolated([probe], [dir])
    expect(out.stdout.trim()).toBe('fetch blocked,spawn blocked,write blocked')
  })

  it('shows a stale id as what it is now', () => {
    const dir = tempDir('setup-cf-stale-')
    const stale = '11111111-2222-4333-8444-555555555555'
    for (const f of CONFIGS) writeFileSync(join(dir, f), read(f).replace(PLACEHOLDER_DATABASE_ID, stale))
    const out = runIsolated([script, '--dry-run', `--config-dir=${dir}`], [dir])
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout).toContain(`database_id (now ${stale})`)
  })

  it('a broken wrangler file is an error naming it, exit 1', () => {
    const dir = tempDir('setup-cf-broken-')
    writeFileSync(join(dir, 'wrangler.toml'), read('wrangler.toml'))
    const out = runIsolated([script, '--dry-run', '--config-dir', dir], [dir])
    expect(out.status).toBe(1)
    expect(out.stderr).toContain(join(dir, 'wrangler.processor.toml'))
  })
})

describe('reading the wrangler files', () => {
  const files = CONFIGS.map((f) => ({ path: f, text: read(f) }))

  it('finds the Worker, the database, the bucket and the four queues', () => {
    expect(readResources(files)).toEqual({
      worker: 'image-service',
      database: { name: 'image-service', binding: 'DB', ids: CONFIGS.map((path) => ({ path, id: PLACEHOLDER_DATABASE_ID })) },
      buckets: ['image-service-images'],
      queues: QUEUES,
    })
  })

  it('reads strings, numbers, booleans and table headers; skips arrays and inline tables, also over several lines', () => {
    const tables = readTables([
      'name = "a" # comment',
      "lit = 'x\\y'",
      'esc = "q\\"uote"',
      'n = 1_000',
      'on = true',
      'arr = [',
      '  "]", # ] in a comment',
      ']',
      'after = "b"',
      '[ queues.producers ]',
      'inline = { a = 1, b = "}" }',
      '[[d1_databases]] # comment',
      'database_id = "x"',
    ].join('\r\n'))
    expect(tables.map((t) => [t.name, t.array, Object.fromEntries([...t.entries].map(([k, v]) => [k, v.value]))])).toEqual([
      ['', false, { name: 'a', lit: 'x\\y', esc: 'q"uote', n: 1000, on: true, after: 'b' }],
      ['queues.producers', false, {}],
      ['d1_databases', true, { database_id: 'x' }],
    ])
    expect(() => readTables('what is this')).toThrow(/line 1/)
    expect(() => readTables('a = "open')).toThrow(/line 1: unterminated/)
  })

  it('refuses files whose databases differ', () => {
    const other = files[1]!.text.replace('database_name = "image-service"', 'database_name = "other"')
    expect(() => readResources([files[0]!, { path: 'b.toml', text: other }])).toThrow(/one D1 database/)
  })
})

describe('setDatabaseId', () => {
  it('changes the database_id value of both files and not one other byte', () => {
    for (const f of CONFIGS) {
      const text = read(f)
      const { text: out, previous } = setDatabaseId(text, 'image-service', REAL_ID)
      expect(previous).toBe(PLACEHOLDER_DATABASE_ID)
      expect(out).toBe(text.replace(`database_id = "${PLACEHOLDER_DATABASE_ID}"`, `database_id = "${REAL_ID}"`))
      const a = text.split('\n')
      const b = out.split('\n')
      expect(b.length).toBe(a.length)
      expect(a.filter((line, i) => line !== b[i])).toEqual([`database_id = "${PLACEHOLDER_DATABASE_ID}"`])
      // Again: already right, unchanged.
      expect(setDatabaseId(out, 'image-service', REAL_ID).text).toBe(out)
    }
  })

  it('replaces a stale id, keeping CRLF line endings, the quote style, spacing and a trailing comment', () => {
    const text = "# top\r\n[[d1_databases]]\r\nbinding = \"DB\"\r\ndatabase_name = \"image-service\"\r\ndatabase_id   =   'abc'   # the id\r\n\r\n[[r2_buckets]]\r\nbucket_name = \"b\"\r\n"
    const { text: out, previous } = setDatabaseId(text, 'image-service', REAL_ID)
    expect(previous).toBe('abc')
    expect(out).toBe(text.replace("'abc'", `'${REAL_ID}'`))
  })

  it('touches only the entry of that database, and refuses what it cannot do exactly', () => {
    const two = '[[d1_databases]]\ndatabase_name = "other"\ndatabase_id = "keep"\n\n[[d1_databases]]\ndatabase_name = "image-service"\ndatabase_id = "old"\n'
    expect(setDatabaseId(two, 'image-service', REAL_ID).text).toBe(two.replace('"old"', `"${REAL_ID}"`))
    expect(() => setDatabaseId(two, 'missing', REAL_ID)).toThrow(/found 0/)
    expect(() => setDatabaseId('[[d1_databases]]\ndatabase_name = "image-service"\n', 'image-service', REAL_ID)).toThrow(/no database_id line/)
    expect(() => setDatabaseId(two, 'image-service', 'not-a-uuid"\nmain = "evil')).toThrow(/not a D1 database id/)
  })
})

describe("wrangler's output", () => {
  it('reads bucket names from `r2 bucket list`', () => {
    const out = '\n ⛅️ wrangler 4.164.0\n───────────────────\nListing buckets...\nname:           image-service-images\ncreation_date:  2026-01-01T00:00:00.000Z\n\nname:           other\ncreation_date:  2026-01-02T00:00:00.000Z\n'
    expect(parseBucketList(out)).toEqual(['image-service-images', 'other'])
    expect(parseBucketList('Listing buckets...\n')).toEqual([])
  })

  it('reads queue names from a `queues list` table, and nothing from an empty page', () => {
    const out = [
      '┌──────────────────────────────────┬────────────────────┬──────────────────────────┬──────────────────────────┬───────────┬───────────┐',
      '│ id                               │ name               │ created_on               │ modified_on              │ producers │ consumers │',
      '├──────────────────────────────────┼────────────────────┼──────────────────────────┼──────────────────────────┼───────────┼───────────┤',
      '│ 0123456789abcdef0123456789abcdef │ image-variants     │ 2026-01-01T00:00:00.000Z │ 2026-01-01T00:00:00.000Z │ 2         │ 1         │',
      '├──────────────────────────────────┼────────────────────┼──────────────────────────┼──────────────────────────┼───────────┼───────────┤',
      '│ fedcba9876543210fedcba9876543210 │ image-webhooks-dlq │ 2026-01-01T00:00:00.000Z │ 2026-01-01T00:00:00.000Z │ 0         │ 1         │',
      '└──────────────────────────────────┴────────────────────┴──────────────────────────┴──────────────────────────┴───────────┴───────────┘',
    ].join('\n')
    expect(parseQueueTable(out)).toEqual(['image-variants', 'image-webhooks-dlq'])
    expect(parseQueueTable('┌┐\n└┘\n')).toEqual([])
  })

  it('tells a Worker that was never deployed from other failures of `secret list`', () => {
    expect(isWorkerNotFound('✘ [ERROR] Worker "image-service" not found.\n\nIf this is a new Worker, run `wrangler deploy` first')).toBe(true)
    expect(isWorkerNotFound('✘ [ERROR] A request to the Cloudflare API failed. Authentication error [code: 10000]')).toBe(false)
  })
})

/** A Cloudflare account as wrangler shows it, held in memory. */
function fakeAccount(state: { loggedIn?: boolean; buckets?: string[]; databases?: { name: string; uuid: string }[]; queues?: string[]; secrets?: string[]; workerDeployed?: boolean; fail?: string }) {
  const s = { loggedIn: true, buckets: [], databases: [], queues: [], secrets: [], workerDeployed: false, ...state } as Required<typeof state>
  const calls: { args: string[]; input?: string }[] = []
  const ok = (stdout = ''): ExecResult => ({ status: 0, stdout, stderr: '' })
  const exec = (args: string[], options?: { input?: string }): ExecResult => {
    calls.push({ args, input: options?.input })
    const cmd = args.join(' ')
    if (s.fail && cmd.startsWith(s.fail)) return { status: 1, stdout: '', stderr: `✘ [ERROR] ${s.fail} went wrong [code: 7003]` }
    if (cmd === 'whoami --json') return s.loggedIn ? ok(JSON.stringify({ loggedIn: true, email: 'a@example.com', accounts: [{ id: 'acc1', name: 'Acme' }] })) : { status: 1, stdout: '{"loggedIn":false}', stderr: '' }
    if (cmd === 'r2 bucket list') return ok(`Listing buckets...\n${s.buckets.map((b) => `name:           ${b}\ncreation_date:  2026-01-01T00:00:00.000Z`).join('\n\n')}\n`)
    if (args[0] === 'r2' && args[2] === 'create') return (s.buckets.push(args[3]!), ok(`Creating bucket '${args[3]}'...\n✅ Created bucket '${args[3]}'`))
    if (cmd === 'd1 list --json') return ok(JSON.stringify(s.databases, null, 2))
    if (args[0] === 'd1' && args[1] === 'create') {
      s.databases.push({ name: args[2]!, uuid: REAL_ID })
      return ok(`✅ Successfully created DB '${args[2]}'\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "${args[2]}"\ndatabase_id = "${REAL_ID}"\n`)
    }
    if (args[0] === 'queues' && args[1] === 'list') {
      const page = Number(args[3] ?? 1)
      // Two per page, to exercise paging.
      const rows = s.queues.slice((page - 1) * 2, page * 2).map((q, i) => `│ ${String(i).padStart(32, '0')} │ ${q} │ 2026 │ 2026 │ 0 │ 0 │`)
      return ok(['┌─┐', '│ id │ name │ created_on │ modified_on │ producers │ consumers │', ...rows, '└─┘'].join('\n'))
    }
    if (args[0] === 'queues' && args[1] === 'create') return (s.queues.push(args[2]!), ok(`✅ Created queue ${args[2]}`))
    if (args[0] === 'd1' && args[1] === 'migrations') return ok('No migrations to apply!')
    if (args[0] === 'secret' && args[1] === 'list') {
      if (!s.workerDeployed) return { status: 1, stdout: '', stderr: '✘ [ERROR] Worker "image-service" not found.\n\nIf this is a new Worker, run `wrangler deploy` first to create it.' }
      return ok(JSON.stringify(s.secrets.map((name) => ({ name, type: 'secret_text' }))))
    }
    if (args[0] === 'secret' && args[1] === 'put') {
      s.workerDeployed = true
      s.secrets.push(args[2]!)
      return ok(`✨ Success! Uploaded secret ${args[2]}`)
    }
    return { status: 1, stdout: '', stderr: `unexpected command ${cmd}` }
  }
  return { s, calls, exec }
}

function configCopies() {
  const dir = tempDir('setup-cf-provision-')
  mkdirSync(dir, { recursive: true })
  return CONFIGS.map((name) => {
    const file = join(dir, name)
    copyFileSync(join(root, name), file)
    return { file, path: name, text: readFileSync(file, 'utf8') }
  })
}

describe('provision (against a fake account)', () => {
  it('creates everything on an empty account, writes the id into both files, sets the key without printing it; a second run changes nothing', () => {
    const files = configCopies()
    const account = fakeAccount({})
    const lines: string[] = []
    const key = 'k'.repeat(43)
    const done = provision({ files, exec: account.exec, log: (l) => lines.push(l), env: {}, randomKey: () => key })

    expect(done.created).toEqual(['R2 bucket image-service-images', `D1 database image-service (${REAL_ID})`, ...QUEUES.map((q) => `queue ${q}`)])
    expect(done.wrote).toEqual(CONFIGS)
    expect(done.secret).toBe('set')
    for (const f of files) expect(readFileSync(f.file, 'utf8')).toBe(f.text.replace(PLACEHOLDER_DATABASE_ID, REAL_ID))
    expect(account.s.buckets).toEqual(['image-service-images'])
    expect(account.s.queues).toEqual(QUEUES)
    // The key went to `secret put` on stdin only, and never into the log.
    const put = account.calls.find((c) => c.args[1] === 'put')!
    expect(put).toEqual({ args: ['secret', 'put', 'URL_SIGNING_KEY', '-c', 'wrangler.toml'], input: key })
    expect(account.calls.filter((c) => c.input !== undefined)).toHaveLength(1)
    expect(lines.join('\n')).not.toContain(key)
    expect(account.calls.map((c) => c.args.slice(0, 2).join(' '))).toContain('d1 migrations')

    // Again, with the files as they are now: everything found, nothing created, nothing written, the key kept.
    const again = fakeAccount({ ...account.s })
    const files2 = files.map((f) => ({ ...f, text: readFileSync(f.file, 'utf8') }))
    const writes: string[] = []
    const done2 = provision({ files: files2, exec: again.exec, log: () => {}, env: {}, write: (f) => writes.push(f) })
    expect(done2.created).toEqual([])
    expect(done2.wrote).toEqual([])
    expect(done2.secret).toBe('kept')
    expect(writes).toEqual([])
    expect(again.calls.filter((c) => /create|put/.test(c.args.join(' ')))).toEqual([])
  })

  it('fixes a stale id in the files to the database that exists', () => {
    const files = configCopies()
    for (const f of files) writeFileSync(f.file, f.text.replace(PLACEHOLDER_DATABASE_ID, '11111111-2222-4333-8444-555555555555'))
    const account = fakeAccount({ databases: [{ name: 'image-service', uuid: REAL_ID }] })
    const done = provision({ files, exec: account.exec, log: () => {}, env: {}, randomKey: () => 'x'.repeat(43) })
    expect(done.wrote).toEqual(CONFIGS)
    for (const f of files) expect(readFileSync(f.file, 'utf8')).toBe(f.text.replace(PLACEHOLDER_DATABASE_ID, REAL_ID))
    expect(account.calls.some((c) => c.args[1] === 'create' && c.args[0] === 'd1')).toBe(false)
  })

  it('not logged in: says to run `npx wrangler login`, and calls nothing else', () => {
    const account = fakeAccount({ loggedIn: false })
    expect(() => provision({ files: configCopies(), exec: account.exec, log: () => {}, env: {} })).toThrow(SetupError)
    expect(() => provision({ files: configCopies(), exec: account.exec, log: () => {}, env: {} })).toThrow(/npx wrangler login.*CLOUDFLARE_API_TOKEN/)
    expect(new Set(account.calls.map((c) => c.args.join(' ')))).toEqual(new Set(['whoami --json']))
  })

  it('a failed step stops the run with its command and stderr', () => {
    const files = configCopies()
    const account = fakeAccount({ fail: 'queues create image-variants-dlq' })
    let error: unknown
    try {
      provision({ files, exec: account.exec, log: () => {}, env: {} })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SetupError)
    expect((error as Error).message).toContain('`npx wrangler queues create image-variants-dlq` failed (exit 1)')
    expect((error as Error).message).toContain('queues create image-variants-dlq went wrong [code: 7003]')
    expect(account.calls.at(-1)!.args).toEqual(['queues', 'create', 'image-variants-dlq'])
    expect(account.calls.some((c) => c.args[0] === 'secret' || c.args[1] === 'migrations')).toBe(false)
  })
})
