/**
 * Memory as a Worker isolate counts it: every WebAssembly.Memory (tracked by
 * hooking how instances and memories are made) plus the JS heap and the
 * ArrayBuffers JS holds. Install the hook before the processor is loaded.
 */
const memories = new Set()

export function trackWasmMemories() {
  const record = (instance) => {
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.add(new WeakRef(value))
    return instance
  }
  const { Instance, Memory, instantiate } = WebAssembly
  // Emscripten modules tell JS after every memory.grow: sample there, so growth inside one call into WASM shows.
  const sampleOnGrowth = (imports) => {
    const notify = imports?.env?.emscripten_notify_memory_growth
    if (typeof notify !== 'function') return imports
    return { ...imports, env: { ...imports.env, emscripten_notify_memory_growth: (...a) => (sampleInStep(), notify(...a)) } }
  }
  WebAssembly.Instance = new Proxy(Instance, {
    construct: (target, args, newTarget) => record(Reflect.construct(target, [args[0], sampleOnGrowth(args[1])], newTarget)),
  })
  // Memories made in JS and imported by a module (Emscripten's way).
  WebAssembly.Memory = new Proxy(Memory, {
    construct: (target, args, newTarget) => {
      const memory = Reflect.construct(target, args, newTarget)
      memories.add(new WeakRef(memory))
      return memory
    },
  })
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate.apply(WebAssembly, [args[0], sampleOnGrowth(args[1])])
    record(result instanceof Instance ? result : result.instance)
    return result
  }
}

/** Bytes of all WebAssembly memories still reachable (a replaced instance's memory counts until collected). */
export function wasmBytes() {
  const seen = new Set()
  let total = 0
  for (const ref of memories) {
    const memory = ref.deref()
    if (!memory) memories.delete(ref)
    else if (!seen.has(memory)) {
      seen.add(memory)
      total += memory.buffer.byteLength
    }
  }
  return total
}

/** One sample. `live` collects garbage first (needs node --expose-gc): what the isolate must really hold. */
export function sample(live) {
  if (live && globalThis.gc) globalThis.gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  const wasm = wasmBytes()
  return { wasm, heapUsed, arrayBuffers, total: wasm + heapUsed + arrayBuffers }
}

/** Peak RSS of the whole process so far, in bytes (includes Node itself and sharp). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024

/**
 * Peak sampled inside steps: whenever JS allocates a buffer of at least 1 MiB (typed arrays and
 * ArrayBuffers, hooked like the WASM memories above), the total (WASM + heap + ArrayBuffers, no GC,
 * so garbage not yet collected counts, as it does in an isolate) is sampled. WASM growth inside a
 * call shows at the next such sample or step. Reset with allocationPeak.reset().
 */
export const allocationPeak = {
  total: 0, wasm: 0, heapUsed: 0, arrayBuffers: 0,
  /** The largest WASM total seen at any sample (growth included), whatever the total was then. */
  wasmMax: 0,
  reset() { Object.assign(this, { total: 0, wasm: 0, heapUsed: 0, arrayBuffers: 0, wasmMax: 0 }) },
}
const BIG = 1024 * 1024

const NAMES = ['ArrayBuffer', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array']
const originals = Object.fromEntries(NAMES.map((n) => [n, globalThis[n]]))
/** Samples the raw total (no GC) into allocationPeak. */
export function sampleInStep() {
  const s = sample(false)
  if (s.total > allocationPeak.total) Object.assign(allocationPeak, s)
  if (s.wasm > allocationPeak.wasmMax) allocationPeak.wasmMax = s.wasm
}
const note = (made) => {
  if (made.byteLength >= BIG) sampleInStep()
  return made
}
const proxies = Object.fromEntries(NAMES.map((n) => [n, new Proxy(originals[n], { construct: (target, args, newTarget) => note(Reflect.construct(target, args, newTarget === proxies[n] ? target : newTarget)) })]))

/** Hooks the constructors while our code runs (on), restores them for everything else, e.g. sharp, which compares constructors (off). */
export const allocationHooks = {
  on: () => NAMES.forEach((n) => (globalThis[n] = proxies[n])),
  off: () => NAMES.forEach((n) => (globalThis[n] = originals[n])),
}
