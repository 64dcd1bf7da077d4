// Load benchmark against the local stack: uploads at a fixed arrival rate, metadata
// reads alone and while the backlog is processed, and file delivery against a
// plain static server. Starts its own `wrangler dev` (as `npm start` does) on a
// free port with a private state folder, only on 127.0.0.1, and always stops it.
//
// Usage: npm run bench:load -- [--rate 100] [--seconds 60] [--drain-seconds 300]
//          [--probe-seconds 10] [--connections 10] [--users N] [--api-only]
//   --api-only  run the API Worker alone: the processor is paused (variant messages wait in the
//               local queue), so the upload and metadata figures, and the runtime's CPU per
//               upload, are the API's own and not shared with image processing on one thread.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { benchImages } from './bench-load/images.mjs'
import { drain, fullRate, sweep } from './bench-load/probes.mjs'
import { cpuSeconds, logEvents, logFiles, startService } from './bench-load/service.mjs'
import { percentile, round, tally } from './bench-load/stats.mjs'
import { multipartBodies, uploadOpenLoop } from './bench-load/uploads.mjs'

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    'drain-seconds': { type: 'string', default: '300' },
    'probe-seconds': { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    users: { type: 'string' },
    'api-only': { type: 'boolean', default: false },
  },
})
const rate = Number(opts.rate)
const seconds = Number(opts.seconds)
const drainSeconds = Number(opts['drain-seconds'])
const probeSeconds = Number(opts['probe-seconds'])
const connections = Number(opts.connections)
const apiOnly = opts['api-only']
// Uploads are rate-limited per user (wrangler.toml [[ratelimits]]); spread them so no user sends over ~200 a minute.
const users = Number(opts.users ?? Math.max(1, Math.ceil((rate * 60) / 200)))
const root = join(import.meta.dirname, '..')
const log = (msg) => console.error(`[bench:load +${((performance.now() - started) / 1000).toFixed(0)}s] ${msg}`)
const started = performance.now()

let service
let loadAtStart
const cleanups = []
async function cleanup() {
  for (const fn of cleanups.splice(0)) fn()
  if (service) {
    const s = service
    service = undefined
    await s.stop()
  }
}
process.on('exit', () => service?.killNow())
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`)
    cleanup().finally(() => process.exit(130))
  })
}
// Whatever happens, the run ends: every phase is bounded, and this bounds their sum.
const budgetSeconds = seconds + drainSeconds + 6 * probeSeconds + 600
const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${budgetSeconds} s, stopping`)
  cleanup().finally(() => process.exit(1))
}, budgetSeconds * 1000)
watchdog.unref()

async function uploadOne(base, token, img) {
  const form = new FormData()
  form.append('file', new Blob([img.bytes], { type: 'image/jpeg' }), img.name)
  const res = await fetch(`${base}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
  const body = await res.json()
  if (res.status !== 202) throw new Error(`warm-up upload answered ${res.status}: ${JSON.stringify(body)}`)
  return body.id
}

// Per phase: wall time, CPU used by each wrangler process group (in cores), and the machine's load.
const phases = []
async function phase(name, fn) {
  const cpu0 = cpuSeconds(service)
  const client0 = process.cpuUsage()
  const t0 = performance.now()
  const load0 = loadavg()[0]
  const out = await fn()
  const seconds = (performance.now() - t0) / 1000
  const cpu1 = cpuSeconds(service)
  const cores = Object.fromEntries(Object.keys(cpu1).map((k) => [k, round((cpu1[k] - (cpu0[k] ?? 0)) / seconds, 2)]))
  const client = process.cpuUsage(client0)
  const clientCores = round((client.user + client.system) / 1e6 / seconds, 2)
  phases.push({ name, seconds: round(seconds), serviceCores: cores, clientCores, machineLoad: round((load0 + loadavg()[0]) / 2, 1) })
  return out
}

async function main() {
  loadAtStart = round(loadavg()[0], 1)
  const images = await benchImages(log)
  const bodies = multipartBodies(images)
  log(`${images.length} JPEGs, ${images.map((i) => `${i.width}x${i.height} ${(i.bytes.length / 1e6).toFixed(2)} MB`).join(', ')}`)

  log(`starting wrangler dev (${apiOnly ? 'the API Worker alone: processor paused' : 'API and processor in one process, as npm start'})`)
  service = await startService({ root, apiOnly, users, log, onCreated: (s) => (service = s) })
  const { base, tokens } = service
  const token = tokens[0]
  log(`service on ${base}, state in ${service.state}`)

  // Warm-up: one upload of each file, one at a time (the idle upload latency), then
  // wait for all of them: ids for the probes, every code path compiled.
  const warmIds = []
  const idleUploadMs = []
  let warmSeconds = 0
  await phase(apiOnly ? 'warm-up (6 uploads, not processed)' : 'warm-up (6 uploads, processed)', async () => {
    const t = performance.now()
    for (const img of images) {
      const u = performance.now()
      warmIds.push(await uploadOne(base, token, img))
      idleUploadMs.push(performance.now() - u)
    }
    if (apiOnly) return
    const d = await drain({ base, ids: warmIds, maxSeconds: 120, headBatch: warmIds.length })
    const bad = warmIds.filter((id) => d.finals.get(id) !== 'completed')
    if (bad.length) throw new Error(`warm-up images did not complete: ${bad.map((id) => d.finals.get(id) ?? 'timeout').join(', ')}`)
    warmSeconds = (performance.now() - t) / 1000
  })
  log(`warm-up: ${warmIds.length} uploads (${idleUploadMs.map((ms) => ms.toFixed(0)).join(', ')} ms each), all completed ${warmSeconds.toFixed(1)} s after the first`)

  // Metadata alone.
  const metaPaths = (ids) => ids.map((id) => `/images/${id}`)
  log(`metadata alone: ${connections} connections, ${probeSeconds} s`)
  const metaAlone = await phase('metadata alone', () => fullRate({ base, paths: metaPaths(warmIds), connections, seconds: probeSeconds }))

  // The floor: a route that answers a 404 without any storage (a malformed file key), i.e. what
  // the local runtime costs per request before our code touches D1, R2 or the cache.
  log(`floor (404 without storage): ${connections} connections, ${probeSeconds} s`)
  const floor = await phase('floor: 404 without storage', () => fullRate({ base, paths: ['/files/none/none'], connections, seconds: probeSeconds }))

  // Delivery: the variant nearest 50 KB, from the service and from a static server.
  const metas = await Promise.all(warmIds.map(async (id) => (await fetch(`${base}/images/${id}`)).json()))
  // With the processor paused there are no variants: the smallest original stands in.
  const variant = apiOnly
    ? metas.map((m) => ({ name: 'original', width: m.width, height: m.height, bytes: m.bytes, url: m.url })).sort((a, b) => a.bytes - b.bytes)[0]
    : metas.flatMap((m) => m.variants).sort((a, b) => Math.abs(a.bytes - 50_000) - Math.abs(b.bytes - 50_000))[0]
  const variantPath = new URL(variant.url).pathname
  const first = await fetch(`${base}${variantPath}`)
  const fileBytes = Buffer.from(await first.arrayBuffer())
  await (await fetch(`${base}${variantPath}`)).arrayBuffer() // now from the Cache API
  const staticFile = join(service.state, 'baseline.jpg')
  writeFileSync(staticFile, fileBytes)
  const staticServer = spawn(process.execPath, [join(root, 'scripts/bench-load/static-server.mjs'), staticFile], { stdio: ['pipe', 'pipe', 'inherit'] })
  cleanups.push(() => staticServer.kill('SIGKILL'))
  const staticPort = await new Promise((resolve, reject) => {
    staticServer.stdout.once('data', (d) => resolve(Number(String(d).trim())))
    staticServer.once('exit', () => reject(new Error('static server exited')))
  })
  log(`delivery: ${variant.name} ${variant.width}x${variant.height}, ${fileBytes.length} bytes; service, then static server, ${connections} connections, ${probeSeconds} s each`)
  const deliveryService = await phase('delivery from the service', () => fullRate({ base, paths: [variantPath], connections, seconds: probeSeconds }))
  const deliveryStatic = await phase('delivery from the static server', () => fullRate({ base: `http://127.0.0.1:${staticPort}`, paths: ['/baseline.jpg'], connections, seconds: probeSeconds }))
  staticServer.kill('SIGKILL')

  // Uploads at a fixed arrival rate.
  log(`uploads: ${rate}/s for ${seconds} s (open loop, ${Math.round(rate * seconds)} uploads)`)
  const up = await phase(`uploads at ${rate}/s`, () => uploadOpenLoop({
    base,
    tokens,
    bodies,
    rate,
    seconds,
    onTick: (p) => log(`  uploads t=${p.elapsed.toFixed(0)}s sent ${p.sent}, answered ${p.answered}, accepted ${p.ok}, in flight ${p.inFlight}`),
  }))
  const uploadEnded = performance.now()
  // Latency of every upload that was sent (timeouts included, at the timeout), from its due time;
  // uploads never sent because the in-flight cap was reached count only as errors.
  const sentResults = up.results.filter((r) => r.error !== 'client in-flight cap')
  const latencies = sentResults.map((r) => r.end - r.due)
  const serviceTimes = sentResults.map((r) => r.end - r.start)
  const uploadErrors = up.results.filter((r) => r.status !== 202)
  const uploadIds = up.ids

  // Metadata while the backlog is processed: checks the newest upload is still unfinished afterwards, so the probe ran under processing throughout.
  const lastId = uploadIds.at(-1)
  const statusBefore = lastId ? (await sweep(base, [lastId])).get(lastId) : null
  log(`metadata under processing: ${connections} connections, ${probeSeconds} s (newest upload is ${statusBefore})`)
  const metaBusy = await phase(apiOnly ? 'metadata after the uploads' : 'metadata under processing', () => fullRate({ base, paths: metaPaths([...warmIds, ...uploadIds]), connections, seconds: probeSeconds }))
  const statusAfter = lastId ? (await sweep(base, [lastId])).get(lastId) : null
  const busyThroughout = statusAfter !== 'completed' && statusAfter !== 'failed'

  // Drain.
  log(`draining: waiting up to ${drainSeconds} s for ${uploadIds.length} uploads to finish`)
  const d = await phase('drain', () => drain({
    base,
    ids: uploadIds,
    maxSeconds: apiOnly ? 0 : drainSeconds,
    onProgress: (p) => log(`  drain t=${p.elapsed.toFixed(0)}s: ${p.done}/${p.total} finished (oldest first)`),
  }))
  const drainEnded = performance.now()
  log(`final status sweep over ${uploadIds.length} uploads`)
  const finalStatuses = await sweep(base, uploadIds)
  const counts = Object.fromEntries(tally([...finalStatuses.values()]).map(({ value, count }) => [value, count]))
  const completed = counts.completed ?? 0
  // Processor throughput over the whole run: images finished from the first upload until the drain stopped.
  const processedPerSec = completed / ((drainEnded - up.t0) / 1000)
  const backlogLeft = uploadIds.length - completed - (counts.failed ?? 0)
  // While draining (nothing else arriving): finished images per second, from the first progress sample.
  const doneAtDrainStart = d.timeline[0]?.done ?? 0
  const drainedImages = uploadIds.length - backlogLeft - doneAtDrainStart
  // A drain of a few seconds means the backlog was nearly gone already: no rate to speak of.
  const drainMeasured = d.seconds >= 10 && drainedImages >= 20
  const drainRate = drainMeasured ? drainedImages / d.seconds : null
  // CPU the Workers' runtime spent per image made while draining (variants plus the status polls).
  const drainPhase = phases.at(-1)
  const drainCpu = Object.entries(drainPhase.serviceCores).filter(([k]) => k === 'workers' || k.endsWith(' workers')).reduce((a, [, v]) => a + v, 0) * drainPhase.seconds
  const drainCpuPerImage = drainMeasured ? round(drainCpu / drainedImages, 3) : null

  // The API Worker's CPU per upload: the runtime's CPU over the upload phase, per accepted upload
  // (with the processor paused, nothing else runs there).
  const upPhase = phases.find((p) => p.name.startsWith('uploads at'))
  const workerCores = (p) => Object.entries(p.serviceCores).filter(([k]) => k === 'workers' || k.endsWith(' workers')).reduce((a, [, v]) => a + v, 0)
  const apiCpuMsPerUpload = uploadIds.length ? round((workerCores(upPhase) * upPhase.seconds * 1000) / uploadIds.length, 2) : null
  const metaPhase = phases.find((p) => p.name === 'metadata alone')
  const apiCpuMsPerRead = metaAlone.requests ? round((workerCores(metaPhase) * metaPhase.seconds * 1000) / metaAlone.requests, 3) : null

  const r = {
    mode: apiOnly ? 'api-only' : 'single-process',
    d1: d1Budget(logEvents(service)),
    cpu: { apiCpuMsPerUpload, apiCpuMsPerRead },
    upload: {
      targetRate: rate,
      seconds,
      sent: up.total,
      accepted: uploadIds.length,
      achievedRate: round(uploadIds.length / up.spanSeconds, 1),
      p50ms: round(percentile(latencies, 50)),
      p95ms: round(percentile(latencies, 95)),
      p99ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      serviceP99ms: round(percentile(serviceTimes, 99)),
      idleUploadMs: round(percentile(idleUploadMs, 50)),
      errors: uploadErrors.length,
      errorKinds: tally(uploadErrors.map((e) => e.error.slice(0, 120))).slice(0, 5),
    },
    drain: {
      drained: d.drained,
      seconds: round(d.seconds),
      maxSeconds: drainSeconds,
      statuses: counts,
      completed,
      allCompleted: completed === uploadIds.length,
      processedPerSec: round(processedPerSec, 2),
      drainPerSec: round(drainRate, 2),
      warmUpSeconds: round(warmSeconds, 1),
      cpuSecondsPerImage: drainCpuPerImage,
      projectedDrainSeconds: d.drained ? round(d.seconds) : drainRate ? round(d.seconds + backlogLeft / drainRate) : null,
    },
    metadata: {
      connections,
      alone: pick(metaAlone),
      underProcessing: { ...pick(metaBusy), backlogThroughout: busyThroughout },
      p99Ratio: round(metaBusy.p99 / Math.max(1, metaAlone.p99), 2),
    },
    floor: pick(floor),
    delivery: {
      fileBytes: fileBytes.length,
      variant: `${variant.name} ${variant.width}x${variant.height}`,
      service: pick(deliveryService),
      static: pick(deliveryStatic),
      ratio: round(deliveryService.rps / deliveryStatic.rps, 2),
    },
  }
  r.phases = phases
  r.machine = { cores: availableParallelism(), loadAtStart, loadAtEnd: round(loadavg()[0], 1) }
  r.targets = {
    uploadRate: r.upload.achievedRate >= rate * 0.98,
    uploadP99: r.upload.p99ms !== null && r.upload.p99ms < 300,
    uploadErrors: r.upload.errors === 0,
    allCompleted: apiOnly ? null : r.drain.allCompleted,
    metadataP99: r.metadata.alone.p99ms < 50,
    metadataUnderProcessing: apiOnly ? null : r.metadata.p99Ratio <= 2,
    delivery: r.delivery.ratio >= 0.5,
  }
  printTable(r)
  console.log(JSON.stringify(r))
  log(`wrangler output: ${logFiles(service).join(', ')}`)
}

/** D1 per operation, from the Workers' own logs (request lines and variant.batch lines carry `d1`). */
function d1Budget(events) {
  const mean = (lines, per = () => 1) => {
    const n = lines.reduce((a, l) => a + per(l), 0)
    if (!n) return null
    const sum = (k) => lines.reduce((a, l) => a + (l.d1?.[k] ?? 0), 0)
    return { count: n, roundTrips: round(sum('roundTrips') / n, 2), statements: round(sum('statements') / n, 2), rowsWritten: round(sum('rowsWritten') / n, 2), rowsRead: round(sum('rowsRead') / n, 1) }
  }
  const requests = events.filter((e) => e.event === 'request' && e.d1)
  return {
    perUpload: mean(requests.filter((e) => e.method === 'POST' && e.path === '/images' && e.status === 202)),
    perMetadataRead: mean(requests.filter((e) => e.method === 'GET' && /^\/images\/[^/]+$/.test(e.path) && e.status === 200)),
    perImageProcessed: mean(events.filter((e) => e.event === 'variant.batch' && e.images > 0), (l) => l.images),
  }
}

function pick(x) {
  return { rps: round(x.rps), p50ms: x.p50, p99ms: x.p99, maxMs: x.max, requests: x.requests, non2xx: x.non2xx, errors: x.errors + x.timeouts }
}

function printTable(r) {
  const mark = (ok) => (ok === null ? 'n/a' : ok ? 'met' : 'MISSED')
  const rows = [
    ['uploads: achieved rate', `${r.upload.achievedRate}/s of ${r.upload.targetRate}/s (${r.upload.accepted}/${r.upload.sent} accepted)`, `${r.upload.targetRate}/s`, mark(r.targets.uploadRate)],
    ['uploads: latency p50 / p95 / p99', `${r.upload.p50ms} / ${r.upload.p95ms} / ${r.upload.p99ms} ms (max ${r.upload.maxMs})`, 'p99 < 300 ms', mark(r.targets.uploadP99)],
    ['uploads: one at a time, idle', `${r.upload.idleUploadMs} ms median (warm-up)`, '', ''],
    ['uploads: errors', `${r.upload.errors}${r.upload.errorKinds.length ? ' (' + r.upload.errorKinds.map((e) => `${e.count}x ${e.value}`).join('; ') + ')' : ''}`, '0', mark(r.targets.uploadErrors)],
    ['queue drain', `${r.drain.drained ? 'drained' : 'NOT drained'} in ${r.drain.seconds} s (max ${r.drain.maxSeconds} s); ${JSON.stringify(r.drain.statuses)}`, 'all completed', mark(r.targets.allCompleted)],
    ['processing throughput', `${r.drain.drainPerSec ?? 'n/a'} images/s while draining, ${r.drain.processedPerSec}/s from first upload to end; full drain ${r.drain.drained ? '' : '~'}${r.drain.projectedDrainSeconds ?? '?'} s`, '', ''],
    ['processing cost', `${r.drain.cpuSecondsPerImage ?? 'n/a'} CPU s per image while draining; warm-up: 6 uploads completed in ${r.drain.warmUpSeconds} s`, '', ''],
    ['metadata alone: rps, p99', `${r.metadata.alone.rps} req/s, p99 ${r.metadata.alone.p99ms} ms`, 'p99 < 50 ms', mark(r.targets.metadataP99)],
    ['metadata under processing', `${r.metadata.underProcessing.rps} req/s, p99 ${r.metadata.underProcessing.p99ms} ms (backlog throughout: ${r.metadata.underProcessing.backlogThroughout})`, '', ''],
    ['metadata p99 ratio', `${r.metadata.p99Ratio}x`, '<= 2x', mark(r.targets.metadataUnderProcessing)],
    ['floor: 404 without storage', `${r.floor.rps} req/s, p99 ${r.floor.p99ms} ms (the local runtime's own per-request cost)`, '', ''],
    ['delivery: service', `${r.delivery.service.rps} req/s, p99 ${r.delivery.service.p99ms} ms (${r.delivery.fileBytes} B ${r.delivery.variant})`, '', ''],
    ['delivery: static baseline', `${r.delivery.static.rps} req/s, p99 ${r.delivery.static.p99ms} ms`, '', ''],
    ['delivery ratio', `${r.delivery.ratio}`, '>= 0.5', mark(r.targets.delivery)],
    ['API CPU per upload / per read', `${r.cpu.apiCpuMsPerUpload ?? 'n/a'} ms / ${r.cpu.apiCpuMsPerRead ?? 'n/a'} ms (runtime CPU in the phase per request${r.mode === 'api-only' ? '' : '; shared with processing'})`, '', ''],
    ...['perUpload', 'perMetadataRead', 'perImageProcessed'].map((k) => {
      const b = r.d1[k]
      return [`D1 ${k.replace(/^per/, 'per ')}`, b ? `${b.roundTrips} round trips, ${b.statements} statements, ${b.rowsWritten} rows written, ${b.rowsRead} rows read (mean of ${b.count})` : 'n/a', '', '']
    }),
  ]
  const w = [0, 1, 2].map((k) => Math.max(...rows.map((row) => row[k].length), 6))
  console.log(`\nLoad benchmark (${r.mode}), 127.0.0.1`)
  console.log(['what'.padEnd(w[0]), 'measured'.padEnd(w[1]), 'target'.padEnd(w[2]), ''].join(' | '))
  console.log(['-'.repeat(w[0]), '-'.repeat(w[1]), '-'.repeat(w[2]), '------'].join('-|-'))
  for (const row of rows) console.log([row[0].padEnd(w[0]), row[1].padEnd(w[1]), row[2].padEnd(w[2]), row[3]].join(' | '))
  console.log(`\nPhases: CPU in cores (1.0 = one core busy) of wrangler's Node process, its proxy workerd, the workerd running the Workers, and this load generator (machine: ${r.machine.cores} cores, load ${r.machine.loadAtStart} at start, ${r.machine.loadAtEnd} at end)`)
  for (const p of r.phases) {
    const cores = Object.entries(p.serviceCores).map(([k, v]) => `${k} ${v}`).join(', ')
    console.log(`  ${p.name.padEnd(34)} ${String(p.seconds).padStart(7)} s   ${cores}, client ${p.clientCores}   machine load ${p.machineLoad}`)
  }
  console.log('')
}

try {
  await main()
} catch (err) {
  console.error(err)
  if (service) console.error(`wrangler output: ${logFiles(service).join(', ')}`)
  process.exitCode = 1
} finally {
  await cleanup()
  clearTimeout(watchdog)
}
