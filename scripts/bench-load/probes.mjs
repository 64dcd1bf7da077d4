// Closed-loop full-rate probes (autocannon) and the queue-drain poller.
import autocannon from 'autocannon'
import { sleep } from './service.mjs'

/**
 * GETs paths round-robin at the highest rate N connections get (closed loop:
 * each connection sends its next request when the last one answered).
 */
export async function fullRate({ base, paths, connections, seconds }) {
  let i = 0
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  })
  const ok = result['2xx']
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    bytesPerSec: result.throughput.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

const FINAL = new Set(['completed', 'failed'])

async function statusOf(base, id) {
  const res = await fetch(`${base}/images/${id}`)
  if (!res.ok) return `HTTP ${res.status}`
  const meta = await res.json()
  return meta.status
}

/** Status of every id (a sweep), `concurrency` requests at a time. */
export async function sweep(base, ids, concurrency = 16) {
  const statuses = new Map()
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++]
        statuses.set(id, await statusOf(base, id).catch((e) => `error ${e.message}`))
      }
    }),
  )
  return statuses
}

/**
 * Waits until every id is completed or failed, or maxSeconds pass. Queues are
 * roughly FIFO, so each round checks the oldest unfinished ids first and stops at
 * the first still-unfinished batch: polling stays a few requests a second
 * however long the backlog is.
 */
export async function drain({ base, ids, maxSeconds, onProgress, headBatch = 24 }) {
  const t0 = performance.now()
  let pending = [...ids]
  const finals = new Map()
  const timeline = []
  let lastReport = 0
  while (pending.length > 0) {
    const elapsed = (performance.now() - t0) / 1000
    if (elapsed > maxSeconds) break
    const head = pending.slice(0, headBatch)
    const statuses = await Promise.all(head.map((id) => statusOf(base, id).catch(() => 'unreachable')))
    const finished = new Set(head.filter((id, k) => FINAL.has(statuses[k])))
    head.forEach((id, k) => FINAL.has(statuses[k]) && finals.set(id, statuses[k]))
    pending = pending.filter((id) => !finished.has(id))
    timeline.push({ t: elapsed, done: ids.length - pending.length })
    if (elapsed - lastReport >= 10) {
      lastReport = elapsed
      onProgress?.({ elapsed, done: ids.length - pending.length, total: ids.length })
    }
    // A fully finished head means the backlog moved past it: look further right away.
    if (finished.size < head.length) await sleep(1000)
  }
  return { seconds: (performance.now() - t0) / 1000, drained: pending.length === 0, pending, finals, timeline }
}
