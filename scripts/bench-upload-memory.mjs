// Memory of the API isolate under N concurrent uploads of ~5 MB (default 50).
// Runs the API Worker alone under `wrangler dev` (a snapshot of the source, a
// private state folder, 127.0.0.1 only) and reads, while the uploads run:
//   - the isolate's V8 heap (used + ArrayBuffer backing stores), sampled every
//     few milliseconds over the inspector (Runtime.getHeapUsage): what the
//     128 MB per-isolate limit counts;
//   - the RSS of the workerd process that runs the Workers (it also holds the
//     local R2/D1 simulators, so it is an upper bound), over its idle baseline.
// With --compare <git rev> the same run first measures that revision's source.
//
// Usage: npm run bench:upload-memory -- [--uploads 50] [--mb 5] [--compare <rev>]
import { randomBytes } from 'node:crypto'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { freePort, killGroup, sleep } from './bench-load/service.mjs'
import { cdpSession, workersRss } from './bench/workerd.mjs'

const run = promisify(execFile)
const { values: opts } = parseArgs({
  options: { uploads: { type: 'string', default: '50' }, mb: { type: 'string', default: '5' }, compare: { type: 'string' } },
})
const uploads = Number(opts.uploads)
const root = join(import.meta.dirname, '..')
const log = (msg) => console.error(`[bench:upload-memory] ${msg}`)
const MB = 1024 * 1024
let current
// Whatever happens, wrangler and its workerd go: they are a detached process group.
process.on('exit', () => current && killGroup(current, 'SIGKILL'))
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))
setTimeout(() => {
  log('watchdog: still running after 15 minutes, stopping')
  process.exit(1)
}, 15 * 60_000).unref()

/** A real 12 MP JPEG padded after its EOI to just under the size (decoders ignore trailing bytes). */
function uploadFile(mb) {
  const jpeg = readFileSync(join(root, 'test/fixtures/generated/photo-4000x3000.jpg'))
  const size = Math.min(mb * MB, 5 * MB) - 1024
  const out = new Uint8Array(size)
  out.set(jpeg)
  for (let i = jpeg.length; i < size; i++) out[i] = (i * 2654435761) >>> 24
  return out
}

const SNAPSHOT = ['src', 'migrations', 'public', 'wrangler.toml', 'package.json', 'tsconfig.json', 'worker-configuration.d.ts', 'scripts/user-create.mjs']

/** The working tree's source, or that of `rev` (git archive), in a folder of its own. */
function snapshot(dir, rev) {
  mkdirSync(join(dir, 'scripts'), { recursive: true })
  for (const entry of SNAPSHOT) if (existsSync(join(root, entry))) cpSync(join(root, entry), join(dir, entry), { recursive: true })
  if (rev) {
    rmSync(join(dir, 'src'), { recursive: true, force: true })
    execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" src | tar -x -C "${dir}"`])
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
}

/** A DevTools Protocol session with the API Worker's isolate, through wrangler's inspector proxy. */
async function inspector(port) {
  const until = Date.now() + 60_000
  let target
  while (!target) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json()
      target = list.find((t) => t.webSocketDebuggerUrl && !/processor/i.test(t.title ?? '')) ?? list[0]
    } catch {}
    if (!target) {
      if (Date.now() > until) throw new Error('no inspector target')
      await sleep(300)
    }
  }
  return cdpSession(target.webSocketDebuggerUrl, { origin: 'http://localhost' })
}

async function measure(label, rev) {
  const state = mkdtempSync(join(tmpdir(), 'image-service-upload-memory-'))
  const app = join(state, 'app')
  const persist = join(state, 'persist')
  snapshot(app, rev)
  const env = { ...process.env, WRANGLER_REGISTRY_PATH: join(state, 'registry'), WRANGLER_SEND_METRICS: 'false' }
  let child
  try {
    log(`${label}: creating a user`)
    const created = await run('npm', ['run', '--silent', 'user:create', '--', 'bench', '--persist-to', persist], { cwd: app, env })
    const token = created.stdout.trim().split('\n').at(-1)
    const port = await freePort()
    const inspectorPort = await freePort()
    const args = ['wrangler', 'dev', '-c', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', persist, '--show-interactive-dev-session=false', '--var', `URL_SIGNING_KEY:${randomBytes(32).toString('base64url')}`]
    child = current = spawn('npx', args, { cwd: app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    log(`${label}: starting wrangler dev`)
    let out = ''
    child.stdout.on('data', (d) => (out = (out + d).slice(-8000)))
    child.stderr.on('data', (d) => (out = (out + d).slice(-8000)))
    const base = `http://127.0.0.1:${port}`
    for (const until = Date.now() + 120_000; ; ) {
      try {
        await (await fetch(`${base}/images/none`)).arrayBuffer()
        break
      } catch {}
      if (Date.now() > until) throw new Error(`wrangler dev did not start:\n${out}`)
      await sleep(300)
    }
    log(`${label}: serving; warm-up upload`)
    const file = uploadFile(Number(opts.mb))
    const upload = async () => {
      const form = new FormData()
      form.append('file', new Blob([file], { type: 'image/jpeg' }), 'big.jpg')
      const res = await fetch(`${base}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
      const body = await res.json()
      return { status: res.status, body }
    }
    // One upload warms the isolate (code loaded, D1/R2 opened) before the baseline.
    const warm = await upload()
    if (warm.status !== 202) throw new Error(`warm-up upload answered ${warm.status}: ${JSON.stringify(warm.body)}`)
    log(`${label}: connecting the inspector`)
    const cdp = await inspector(inspectorPort)
    await cdp.send('Runtime.enable')
    log(`${label}: inspector connected`)
    const heap = async () => {
      const u = await cdp.send('Runtime.getHeapUsage')
      return { used: u.usedSize, buffers: u.backingStorageSize ?? 0 }
    }
    // (workerd's inspector does not answer HeapProfiler.collectGarbage: the baseline is after a pause.)
    await sleep(1000)
    const baseHeap = await heap()
    const baseRss = workersRss(child.pid, port)

    let peak = { used: 0, buffers: 0, total: 0 }
    let peakRss = 0
    let sampling = true
    let samples = 0
    const sampler = (async () => {
      while (sampling) {
        const h = await heap().catch(() => null)
        if (h) {
          samples++
          if (h.used + h.buffers > peak.total) peak = { ...h, total: h.used + h.buffers }
        }
        peakRss = Math.max(peakRss, workersRss(child.pid, port))
        await sleep(5)
      }
    })()
    log(`${label}: ${uploads} concurrent uploads of ${(file.length / MB).toFixed(2)} MB`)
    const t0 = performance.now()
    const results = await Promise.all(Array.from({ length: uploads }, upload))
    const seconds = (performance.now() - t0) / 1000
    sampling = false
    await sampler
    cdp.close()
    const accepted = results.filter((r) => r.status === 202)
    const ids = new Set(accepted.map((r) => r.body.id))
    // Nothing lost: every accepted upload's original is delivered whole.
    let delivered = 0
    for (const r of accepted) {
      const res = await fetch(r.body.url.replace(/^https?:\/\/[^/]+/, base))
      if (res.status === 200 && Buffer.from(await res.arrayBuffer()).equals(file)) delivered++
    }
    return {
      label,
      uploads,
      accepted: accepted.length,
      distinctIds: ids.size,
      delivered,
      statuses: results.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {}),
      seconds: Number(seconds.toFixed(2)),
      samples,
      heapBaselineMB: Number(((baseHeap.used + baseHeap.buffers) / MB).toFixed(1)),
      heapPeakMB: Number((peak.total / MB).toFixed(1)),
      heapPeakJsMB: Number((peak.used / MB).toFixed(1)),
      heapPeakArrayBuffersMB: Number((peak.buffers / MB).toFixed(1)),
      workerdRssBaselineMB: Number((baseRss / MB).toFixed(1)),
      workerdRssGrowthMB: Number(((peakRss - baseRss) / MB).toFixed(1)),
    }
  } finally {
    if (child) {
      killGroup(child, 'SIGTERM')
      for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100)
      killGroup(child, 'SIGKILL')
    }
    rmSync(state, { recursive: true, force: true })
  }
}

const rows = []
if (opts.compare) rows.push(await measure(`before (${opts.compare})`, opts.compare))
rows.push(await measure('this tree', null))
console.table(rows.map(({ label, accepted, delivered, seconds, heapBaselineMB, heapPeakMB, heapPeakJsMB, heapPeakArrayBuffersMB, workerdRssGrowthMB }) => ({ label, accepted, delivered, seconds, heapBaselineMB, heapPeakMB, heapPeakJsMB, heapPeakArrayBuffersMB, workerdRssGrowthMB })))
console.log(JSON.stringify(rows, null, 2))
const now = rows.at(-1)
const ok = now.accepted === uploads && now.delivered === uploads && now.heapPeakMB < 128
console.log(`${ok ? 'OK' : 'FAIL'}: ${uploads} concurrent uploads, isolate heap peak ${now.heapPeakMB} MB (limit 128 MB), ${now.delivered}/${uploads} delivered whole`)
process.exit(ok ? 0 : 1)
