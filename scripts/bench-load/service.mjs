// Starts the service for the benchmark the way `npm start` does (both Workers in
// one `wrangler dev`), or with `apiOnly` the API Worker alone (no queue consumer: the
// processor is paused, messages wait in the local queue), with a private state folder
// and dev registry so that nothing is shared with another run on the machine.
// (A processor in a second `wrangler dev` on the same state folder was tried: the two
// processes lock each other's SQLite files and most uploads ended 503, so it is gone.)
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Kills a detached child's whole process group: wrangler leaves workerd behind otherwise. */
export function killGroup(child, signal = 'SIGTERM') {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

// What `wrangler dev` needs to build and run both Workers and create users.
const SNAPSHOT = ['src', 'migrations', 'public', 'wrangler.toml', 'wrangler.processor.toml', 'package.json', 'tsconfig.json', 'worker-configuration.d.ts', 'scripts/user-create.mjs']

/**
 * A copy of the source taken at the start: `wrangler dev` rebuilds and restarts
 * the Worker on any file change (it has no flag to stop watching), and a restart
 * mid-run fails in-flight uploads and empties the local queue.
 */
function snapshot(root, dir) {
  for (const entry of SNAPSHOT) {
    if (existsSync(join(root, entry))) cpSync(join(root, entry), join(dir, entry), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
}

/** devArgs: more `wrangler dev` arguments (e.g. a free --inspector-port: the default 9229 may be another run's). */
export async function startService({ root, apiOnly = false, users = 1, log, onCreated, devArgs = [], logName = 'bench-load' }) {
  const state = mkdtempSync(join(tmpdir(), 'image-service-bench-'))
  const app = join(state, 'app')
  mkdirSync(join(app, 'scripts'), { recursive: true })
  snapshot(root, app)
  const persist = join(state, 'persist')
  const env = { ...process.env, WRANGLER_REGISTRY_PATH: join(state, 'registry'), WRANGLER_SEND_METRICS: 'false' }
  const children = []
  const logs = []
  const service = {
    state,
    base: '',
    children,
    logs,
    async stop() {
      for (const c of children) killGroup(c, 'SIGTERM')
      const until = Date.now() + 5000
      while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < until) await sleep(100)
      for (const c of children) killGroup(c, 'SIGKILL')
      try {
        rmSync(state, { recursive: true, force: true })
      } catch {
        // a straggler still writing; the OS temp cleaner takes it
      }
    },
    /** Synchronous last resort for process 'exit'. */
    killNow() {
      for (const c of children) killGroup(c, 'SIGKILL')
      try {
        rmSync(state, { recursive: true, force: true })
      } catch {}
    },
  }

  // The caller can stop it from now on (Ctrl-C during startup).
  onCreated?.(service)
  try {
    await launch(service, { app, persist, env, apiOnly, users, log, devArgs, logName })
  } catch (err) {
    // Nothing is left behind when startup fails either.
    await service.stop()
    throw err
  }
  return service
}

async function launch(service, { app, persist, env, apiOnly, users, log, devArgs, logName }) {
  const { children, logs } = service
  // `npm run user:create` applies the migrations to this state folder first, as `npm start` does.
  log('creating a user (applies migrations)')
  const created = await run('npm', ['run', '--silent', 'user:create', '--', 'bench', '--persist-to', persist], { cwd: app, env })
  service.tokens = [created.stdout.trim().split('\n').at(-1)]
  if (users > 1) {
    // More users in one statement, as user:create writes them (it takes seconds per call):
    // real peak traffic comes from many users, and uploads are rate-limited per user.
    const sql = (v) => `'${v.replaceAll("'", "''")}'`
    const statements = []
    for (let k = 1; k < users; k++) {
      const userId = randomUUID()
      const token = 'img_' + randomBytes(32).toString('base64url')
      service.tokens.push(token)
      statements.push(
        `INSERT INTO users (id, name) VALUES (${sql(userId)}, ${sql(`bench-${k}`)});`,
        `INSERT INTO api_tokens (id, user_id, token_hash) VALUES (${sql(randomUUID())}, ${sql(userId)}, ${sql(createHash('sha256').update(token).digest('hex'))});`,
      )
    }
    log(`creating ${users - 1} more users`)
    await run('npx', ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', persist, '--command', statements.join(' ')], { cwd: app, env })
  }

  // The secrets a `wrangler dev` of a snapshot needs (no .dev.vars there): a throwaway signing key.
  const SECRETS = ['--var', `URL_SIGNING_KEY:${randomBytes(32).toString('base64url')}`]
  const spawnDev = (configs, port, name) => {
    const args = ['wrangler', 'dev', ...configs.flatMap((c) => ['-c', c]), '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist, '--show-interactive-dev-session=false', ...SECRETS, ...devArgs]
    const child = spawn('npx', args, { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    // The whole output goes to a file outside the state folder, which is deleted at the end.
    const file = join(tmpdir(), `image-service-${logName}-${name}.log`)
    const out = createWriteStream(file)
    let text = ''
    const keep = (d) => {
      out.write(d)
      text = (text + d).slice(-20000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    logs.push({ name, port, file, text: () => text })
    children.push(child)
    return child
  }

  const port = await freePort()
  service.base = `http://127.0.0.1:${port}`
  if (apiOnly) {
    spawnDev(['wrangler.toml'], port, 'api')
  } else {
    spawnDev(['wrangler.toml', 'wrangler.processor.toml'], port, 'api+processor')
  }
  await waitHttp(`${service.base}/images/none`, 120_000, service)
}

async function waitHttp(url, ms, service) {
  const until = Date.now() + ms
  for (;;) {
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      // Any answer means workerd is serving (the processor Worker answers its own way).
      return
    } catch {}
    if (Date.now() > until) {
      const tail = service.logs.map((l) => `--- ${l.name}\n${l.text().slice(-4000)}`).join('\n')
      throw new Error(`wrangler dev did not answer ${url} within ${ms / 1000} s\n${tail}`)
    }
    await sleep(300)
  }
}

export const logFiles = (service) => service.logs.map((l) => l.file)

/** Every JSON log line the Workers printed so far (request logs, variant.batch), parsed. */
export function logEvents(service) {
  const events = []
  for (const { file } of service.logs) {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n')) {
      const at = line.indexOf('{"level":')
      if (at < 0) continue
      try {
        events.push(JSON.parse(line.slice(at)))
      } catch {}
    }
  }
  return events
}

/**
 * CPU seconds used so far by each wrangler process group, split into wrangler's
 * own Node process, its proxy workerd (the one listening on the public port)
 * and the workerd that runs the Workers, from /proc: shows whether the runtime
 * is saturated, and on how many cores. Linux only; empty elsewhere.
 */
export function cpuSeconds(service) {
  const totals = {}
  let entries
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return totals
  }
  const groups = new Map(service.children.map((c, k) => [c.pid, service.logs[k]]))
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const group = groups.get(Number(f[2]))
      if (group === undefined) continue
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      let part = 'wrangler'
      if (comm === 'workerd') {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        part = cmd.includes(`entry=127.0.0.1:${group.port}`) ? 'proxy' : 'workers'
      }
      const key = service.children.length > 1 ? `${group.name} ${part}` : part
      totals[key] = (totals[key] ?? 0) + (Number(f[11]) + Number(f[12])) / 100
    } catch {
      // exited meanwhile
    }
  }
  return totals
}
