/**
 * Looking inside a `wrangler dev` from outside: which workerd process runs the
 * Workers, its RSS, and a DevTools Protocol session with one Worker's isolate.
 *
 * `wrangler dev` starts two workerd processes in its process group: a proxy that
 * listens on the public port (its command line names `entry=<ip>:<port>`) and
 * the one that runs the Workers and the local D1/R2/Queues simulators (started
 * with `--inspector-addr`). Linux only (/proc).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

const fields = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), f: stat.slice(stat.lastIndexOf(')') + 2).split(' ') }
}

/** Pids of the workerd processes of process group `pgid` that run Workers (not the proxy on `proxyPort`). */
export function workersPids(pgid, proxyPort) {
  const pids = []
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const { comm, f } = fields(pid)
      if (Number(f[2]) !== pgid || comm !== 'workerd') continue
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`entry=127.0.0.1:${proxyPort}`)) continue
      pids.push(Number(pid))
    } catch {
      // exited meanwhile
    }
  }
  return pids
}

/** Resident set size of one process in bytes, or 0 once it is gone. */
export function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}

/**
 * RSS split by kind (bytes): anonymous (heaps, WASM memories, ArrayBuffers, malloc arenas),
 * file-backed (the workerd binary's code, mapped files) and shared memory.
 */
export function rssParts(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024
    return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') }
  } catch {
    return { anon: 0, file: 0, shmem: 0 }
  }
}

/** RSS (bytes) of the workerd processes of this process group that run Workers (not wrangler's proxy). */
export const workersRss = (pgid, proxyPort) => workersPids(pgid, proxyPort).reduce((sum, pid) => sum + rssOf(pid), 0)

/** TCP ports process `pid` listens on (IPv4, from /proc/<pid>/net/tcp and its socket fds). */
export function listeningPorts(pid) {
  const inodes = new Set()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1])
    } catch {}
  }
  const ports = []
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const c = line.trim().split(/\s+/)
    // c[1] local address hex ip:port, c[3] state (0A = LISTEN), c[9] inode
    if (c.length > 9 && c[3] === '0A' && inodes.has(c[9])) ports.push(parseInt(c[1].split(':')[1], 16))
  }
  return ports
}

/**
 * workerd's own inspector (the `--inspector-addr` of the Workers' process), which
 * lists every Worker as `core:user:<name>`; wrangler's `--inspector-port` proxy
 * forwards to the first config's Worker only. Returns the /json/list targets.
 */
export async function workerdInspector(pid) {
  for (const port of listeningPorts(pid)) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/version`, { signal: AbortSignal.timeout(2000) })
      if (!res.ok || (await res.json()).Browser !== 'workerd') continue
      const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) })).json()
      return { port, targets }
    } catch {
      // not an inspector
    }
  }
  return null
}

/**
 * A Chrome DevTools Protocol session. Wrangler's inspector proxy wants a local
 * Origin (`origin: 'http://localhost'`; undici's WebSocket takes headers);
 * workerd's own inspector accepts a connection with one but then never answers.
 */
export async function cdpSession(url, { timeoutMs = 10_000, origin, onEvent } = {}) {
  const ws = new WebSocket(url, origin ? { headers: { origin } } : undefined)
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector ${url}: no connection in ${timeoutMs} ms`)), timeoutMs)
    ws.onopen = () => (clearTimeout(timer), resolve(undefined))
    ws.onerror = (e) => (clearTimeout(timer), reject(new Error(`inspector ${url}: ${e.message ?? e.type}`)))
  })
  let id = 0
  const waiting = new Map()
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data)
    if (msg.id !== undefined && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id)
      waiting.delete(msg.id)
      msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result)
    } else if (msg.method) onEvent?.(msg)
  }
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id
      const timer = setTimeout(() => {
        waiting.delete(n)
        reject(new Error(`inspector: no answer to ${method}`))
      }, timeoutMs)
      waiting.set(n, { resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) })
      ws.send(JSON.stringify({ id: n, method, params }))
    })
  return { send, close: () => ws.close() }
}

/**
 * Bytes of every WebAssembly.Memory reachable in the session's isolate (Runtime.queryObjects:
 * a heap walk, which V8 precedes with a full GC, so call it between jobs, not while sampling).
 * Needs the isolate's execution context id (Runtime.enable announces it).
 */
export async function wasmMemoryBytes(session, contextId) {
  const proto = await session.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype', contextId, objectGroup: 'wasm-memory' })
  const found = await session.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: 'wasm-memory' })
  const sizes = await session.send('Runtime.callFunctionOn', {
    objectId: found.objects.objectId,
    functionDeclaration: 'function () { return this.map((m) => m.buffer.byteLength) }',
    returnByValue: true,
  })
  await session.send('Runtime.releaseObjectGroup', { objectGroup: 'wasm-memory' }).catch(() => {})
  return sizes.result.value
}
