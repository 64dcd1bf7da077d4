// Workerd-side memory of the processor (issue 16, item 6): the bench's inputs go
// through the real runtime, `wrangler dev` with both Workers as `npm start` runs
// them (private state folder, free ports, 127.0.0.1 only, a copy of the source),
// uploaded with `POST /images` one at a time, each awaited until `completed` or
// `failed`, then a mixed stream (--rounds rounds of all inputs, still one at a time).
// Sampled every --interval ms while it runs:
//   - RSS of the workerd process that runs the Workers (not wrangler's proxy
//     workerd): both isolates, the local D1/R2/Queues simulators, code, and
//     whatever the allocator has not returned to the OS; WASM memories and
//     ArrayBuffers are in it;
//   - the processor isolate's V8 heap (Runtime.getHeapUsage over workerd's own
//     inspector): JS heap used and ArrayBuffer backing stores; WASM memory is
//     not in it, and the isolate answers only between its synchronous steps;
//   - after each job, the processor's WASM memories (Runtime.queryObjects, which
//     runs a full GC in that isolate: so only between jobs).
// Prints a table, then one JSON line.
//
// Usage: npm run bench:workerd-memory -- [--rounds 2] [--interval 10] [--image-seconds 180] [files...]
import { readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, sleep, startService } from './bench-load/service.mjs'
import { defaultInputs, processorLimits } from './bench/default-inputs.mjs'
import { cdpSession, rssOf, rssParts, wasmMemoryBytes, workerdInspector, workersPids } from './bench/workerd.mjs'

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '2' },
    interval: { type: 'string', default: '10' },
    'image-seconds': { type: 'string', default: '180' },
  },
})
const rounds = Number(opts.rounds)
const intervalMs = Number(opts.interval)
const imageSeconds = Number(opts['image-seconds'])
const root = join(import.meta.dirname, '..')
const MB = 1024 * 1024
const mb = (n) => (n == null ? null : Number((n / MB).toFixed(1)))
const started = performance.now()
const log = (msg) => console.error(`[bench:workerd-memory +${((performance.now() - started) / 1000).toFixed(0)}s] ${msg}`)

let service
let stopSampler = () => {}
let cleaning
/** One cleanup, however many paths ask for it (Ctrl-C and the failure it causes in main both do). */
function cleanup() {
  cleaning ??= (async () => {
    stopSampler()
    if (service) {
      await service.stop()
      service = undefined
    }
  })()
  return cleaning
}
process.on('exit', () => service?.killNow())
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`)
    cleanup().finally(() => process.exit(130))
  })
}

/**
 * RSS every `intervalMs` from /proc, and each isolate's heap as fast as it
 * answers (one request in flight, then `intervalMs` pause). Windows collect the maxima.
 */
function startSampler({ pid, isolates }) {
  const windows = new Set()
  const latest = { rss: rssOf(pid), heap: {} }
  let running = true
  const rssTimer = setInterval(() => {
    latest.rss = rssOf(pid)
    for (const w of windows) {
      w.rssSamples++
      w.rssPeak = Math.max(w.rssPeak, latest.rss)
    }
  }, intervalMs)
  const heapLoops = Object.entries(isolates).map(async ([name, cdp]) => {
    while (running) {
      const asked = performance.now()
      const u = await cdp.send('Runtime.getHeapUsage').catch(() => null)
      if (!running) break
      if (u) {
        const used = u.usedSize
        const buffers = u.backingStorageSize ?? 0
        latest.heap[name] = { used, buffers }
        const answered = performance.now()
        for (const w of windows) {
          const h = (w.heap[name] ??= { samples: 0, gapMs: 0, used: 0, buffers: 0, total: 0 })
          h.samples++
          // The longest the isolate took to answer (busy in a synchronous step): a peak inside it is not seen.
          h.gapMs = Math.max(h.gapMs, answered - asked)
          h.used = Math.max(h.used, used)
          h.buffers = Math.max(h.buffers, buffers)
          h.total = Math.max(h.total, used + buffers)
        }
      }
      await sleep(intervalMs)
    }
  })
  stopSampler = () => {
    running = false
    clearInterval(rssTimer)
  }
  return {
    latest,
    open() {
      const w = { rssPeak: latest.rss, rssSamples: 0, heap: {} }
      windows.add(w)
      return () => (windows.delete(w), w)
    },
    async stop() {
      stopSampler()
      await Promise.all(heapLoops)
    },
  }
}

const heapTotal = (h) => (h ? mb(h.used + h.buffers) : null)

const contentType = (bytes) => (bytes[0] === 0x89 && bytes[1] === 0x50 ? 'image/png' : 'image/jpeg')

/** POST /images, then GET /images/{id} until completed or failed: the outcome and how long it took. */
async function uploadAndWait(base, token, input) {
  const t0 = performance.now()
  const form = new FormData()
  form.append('file', new Blob([input.bytes], { type: input.type }), input.name)
  const res = await fetch(`${base}/images`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form, signal: AbortSignal.timeout(60_000) })
  const body = await res.json().catch(() => ({}))
  if (res.status !== 202) return { outcome: `refused ${res.status}`, detail: body.detail ?? body.title ?? JSON.stringify(body), seconds: (performance.now() - t0) / 1000 }
  const until = Date.now() + imageSeconds * 1000
  for (;;) {
    await sleep(250)
    const meta = await (await fetch(`${base}/images/${body.id}`, { signal: AbortSignal.timeout(30_000) })).json()
    if (meta.status === 'completed' || meta.status === 'failed') {
      const errors = [meta.error, ...(meta.variants ?? []).map((v) => v.error)].filter(Boolean)
      return { outcome: meta.status, detail: errors.length ? [...new Set(errors)].join('; ') : undefined, seconds: (performance.now() - t0) / 1000 }
    }
    if (Date.now() > until) return { outcome: `timeout (${meta.status})`, detail: `not final after ${imageSeconds} s`, seconds: (performance.now() - t0) / 1000 }
  }
}

async function main() {
  const files = positionals.length ? positionals.map((f) => resolve(f)) : await defaultInputs(processorLimits(root))
  const inputs = files.map((path) => {
    const bytes = new Uint8Array(readFileSync(path))
    return { name: basename(path), bytes, type: contentType(bytes) }
  })
  log(`${inputs.length} inputs; starting wrangler dev (both Workers, as npm start)`)
  // A free port for wrangler's inspector proxy: its default 9229 may belong to another run on the machine.
  const devArgs = ['--inspector-port', String(await freePort())]
  service = await startService({ root, log, devArgs, logName: 'bench-workerd-memory', onCreated: (s) => (service = s) })
  const { base } = service
  const token = service.tokens[0]
  const proxyPort = Number(new URL(base).port)
  const pgid = service.children[0].pid
  const pids = workersPids(pgid, proxyPort)
  if (pids.length !== 1) throw new Error(`expected one workerd running the Workers in group ${pgid}, found ${pids.length}`)
  const pid = pids[0]
  log(`serving on ${base}; Workers' workerd is pid ${pid}`)

  // Both isolates, by their Worker names, on workerd's own inspector (wrangler's proxy offers the API's only).
  const workerName = (config) => /^name\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, config), 'utf8'))?.[1]
  const inspector = await workerdInspector(pid)
  const isolates = {}
  const contexts = {}
  const heapNotes = []
  for (const [role, config] of [['processor', 'wrangler.processor.toml'], ['api', 'wrangler.toml']]) {
    const id = `core:user:${workerName(config)}`
    const target = inspector?.targets.find((t) => t.id === id)
    if (!target) {
      heapNotes.push(`${role}: no inspector target ${id}${inspector ? '' : " (no workerd inspector among the Workers' process's ports)"}`)
      continue
    }
    // workerd's inspector sometimes takes a session without ever answering it (seen right after
    // startup): a fresh session until one answers, within a minute.
    let lastError
    for (const until = Date.now() + 60_000; !isolates[role] && Date.now() < until; ) {
      let cdp
      try {
        // A long timeout once answered: an isolate in a long synchronous step answers only after it.
        cdp = await cdpSession(target.webSocketDebuggerUrl, { timeoutMs: 5_000 })
        await cdp.send('Runtime.getHeapUsage')
        cdp.close()
        const onEvent = (msg) => {
          if (msg.method === 'Runtime.executionContextCreated') contexts[role] = msg.params.context.id
        }
        isolates[role] = await cdpSession(target.webSocketDebuggerUrl, { timeoutMs: 30_000, onEvent })
        await isolates[role].send('Runtime.getHeapUsage')
        // Announces the isolate's execution context, which the WASM query below needs.
        if (role === 'processor') await isolates[role].send('Runtime.enable')
      } catch (err) {
        cdp?.close()
        isolates[role]?.close()
        delete isolates[role]
        lastError = err
        await sleep(1000)
      }
    }
    heapNotes.push(isolates[role] ? `${role}: ${id}` : `${role}: ${id} not reachable (${lastError?.message})`)
  }
  const heapNote = `Runtime.getHeapUsage on workerd's inspector port ${inspector?.port ?? '-'}: ${heapNotes.join('; ')}`
  log(heapNote)

  // The processor's WASM memories, queried between jobs only (the query runs a full GC first).
  // The codec's memory only grows, so after a job it is that job's WASM peak or an earlier, larger one.
  const wasmMB = async () => {
    if (!isolates.processor || contexts.processor === undefined) return null
    try {
      return mb((await wasmMemoryBytes(isolates.processor, contexts.processor)).reduce((a, b) => a + b, 0))
    } catch (err) {
      log(`WASM memory query failed: ${err.message}`)
      return null
    }
  }

  await sleep(1000)
  const idleWasm = await wasmMB()
  const idleRss = rssOf(pid)
  const idleParts = rssParts(pid)
  const sampler = startSampler({ pid, isolates })
  await sleep(200)
  const idleHeap = { ...sampler.latest.heap }

  const rows = []
  for (const input of inputs) {
    // A pause so the baseline is after the previous image's tail (its last writes, the queue's ack).
    await sleep(500)
    const baseRss = sampler.latest.rss
    const baseHeap = sampler.latest.heap.processor
    const close = sampler.open()
    const r = await uploadAndWait(base, token, input)
    const w = close()
    const p = w.heap.processor
    const api = w.heap.api
    const wasmAfterMB = await wasmMB()
    rows.push({
      file: input.name, kb: Math.round(input.bytes.length / 1024), outcome: r.outcome, detail: r.detail, seconds: Number(r.seconds.toFixed(1)),
      rssBaselineMB: mb(baseRss), rssPeakMB: mb(w.rssPeak), rssDeltaMB: mb(w.rssPeak - baseRss), rssSamples: w.rssSamples,
      processorHeap: p ? { baselineMB: heapTotal(baseHeap), peakMB: mb(p.total), peakJsMB: mb(p.used), peakBuffersMB: mb(p.buffers), samples: p.samples, longestAnswerMs: Math.round(p.gapMs) } : null,
      processorWasmAfterMB: wasmAfterMB,
      apiHeapPeakMB: api ? mb(api.total) : null,
    })
    log(`${input.name}: ${r.outcome} in ${r.seconds.toFixed(1)} s, RSS ${mb(baseRss)} -> peak ${mb(w.rssPeak)} MB${p ? `, processor heap peak ${mb(p.total)} MB` : ''}${r.detail ? ` (${r.detail})` : ''}`)
  }

  const mixed = []
  for (let round = 0; round < rounds; round++) {
    const close = sampler.open()
    const startRss = sampler.latest.rss
    const outcomes = {}
    for (const input of inputs) {
      const r = await uploadAndWait(base, token, input)
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1
    }
    const w = close()
    const p = w.heap.processor
    mixed.push({ round: round + 1, rssStartMB: mb(startRss), rssPeakMB: mb(w.rssPeak), processorHeapPeakMB: p ? mb(p.total) : null, processorWasmAfterMB: await wasmMB(), longestAnswerMs: p ? Math.round(p.gapMs) : null, apiHeapPeakMB: w.heap.api ? mb(w.heap.api.total) : null, outcomes })
    log(`mixed round ${round + 1}: RSS peak ${mb(w.rssPeak)} MB, processor heap peak ${p ? mb(p.total) : '-'} MB, ${JSON.stringify(outcomes)}`)
  }
  await sleep(1000)
  const endWasm = await wasmMB()
  const endRss = sampler.latest.rss
  const endParts = rssParts(pid)
  const endHeap = { ...sampler.latest.heap }
  await sampler.stop()
  for (const cdp of Object.values(isolates)) cdp.close()

  const pad = (s, n) => String(s ?? '-').padEnd(n)
  const partsText = (p) => `anonymous ${mb(p.anon)} + file-backed ${mb(p.file)} + shared ${mb(p.shmem)}`
  const idleText = (rss, parts, heap, wasm) =>
    `RSS ${mb(rss)} MB (${partsText(parts)}), processor heap ${heapTotal(heap.processor) ?? '-'} MB + WASM ${wasm ?? '-'} MB, API heap ${heapTotal(heap.api) ?? '-'} MB`
  console.log(`\nworkerd-side memory, one upload at a time (wrangler dev, both Workers); MB = MiB; sampled every ${intervalMs} ms`)
  console.log(`${heapNote}\nidle after start: ${idleText(idleRss, idleParts, idleHeap, idleWasm)}\n`)
  console.log(pad('file', 44) + pad('KB', 6) + pad('outcome', 13) + pad('s', 6) + pad('RSS base', 10) + pad('RSS peak', 10) + pad('delta', 8) + pad('proc heap base', 16) + pad('proc heap peak (JS+buf)', 25) + pad('answer ms', 11) + pad('WASM after', 12) + pad('heap+WASM', 11) + 'API heap peak')
  for (const r of rows) {
    const p = r.processorHeap
    console.log(
      pad(r.file, 44) + pad(r.kb, 6) + pad(r.outcome, 13) + pad(r.seconds, 6) + pad(r.rssBaselineMB, 10) + pad(r.rssPeakMB, 10) + pad(r.rssDeltaMB, 8) +
        pad(p?.baselineMB, 16) + pad(p && `${p.peakMB} (${p.peakJsMB}+${p.peakBuffersMB})`, 25) + pad(p?.longestAnswerMs, 11) +
        pad(r.processorWasmAfterMB, 12) + pad(p && r.processorWasmAfterMB != null ? Number((p.peakMB + r.processorWasmAfterMB).toFixed(1)) : null, 11) + (r.apiHeapPeakMB ?? '-'),
    )
    if (r.detail) console.log(`    ${r.detail}`)
  }
  // 2 MiB slack: RSS moves by allocator pages between identical rounds.
  const flat = mixed.every((m) => m.rssPeakMB <= mixed[0].rssPeakMB + 2)
  console.log(
    `\nmixed stream, ${rounds} rounds of all ${inputs.length} inputs one at a time: RSS peak per round ${mixed.map((m) => m.rssPeakMB).join(' / ')} MB, ` +
      `processor heap peak per round ${mixed.map((m) => m.processorHeapPeakMB ?? '-').join(' / ')} MB, WASM after each round ${mixed.map((m) => m.processorWasmAfterMB ?? '-').join(' / ')} MB: ${flat ? 'flat' : 'GREW'} (RSS, 2 MB slack)`,
  )
  console.log(`after the stream, idle: ${idleText(endRss, endParts, endHeap, endWasm)}\n`)
  const idleJson = (rss, parts, heap, wasm) => ({ rssMB: mb(rss), rssAnonMB: mb(parts.anon), rssFileMB: mb(parts.file), rssShmemMB: mb(parts.shmem), processorHeapMB: heapTotal(heap.processor), processorWasmMB: wasm, apiHeapMB: heapTotal(heap.api) })
  console.log(JSON.stringify({ intervalMs, heapSource: heapNote, idle: idleJson(idleRss, idleParts, idleHeap, idleWasm), results: rows, mixed, mixedFlat: flat, end: idleJson(endRss, endParts, endHeap, endWasm) }))
}

// Every phase is bounded (startup 120 s, each upload 60 s, each image --image-seconds); this bounds their sum.
const watchdog = setTimeout(() => {
  log('watchdog: still running after 40 minutes, stopping')
  cleanup().finally(() => process.exit(1))
}, 40 * 60_000)
watchdog.unref()

try {
  await main()
  await cleanup()
  process.exit(0)
} catch (err) {
  log(`failed: ${err.stack ?? err}`)
  await cleanup()
  process.exit(1)
}
