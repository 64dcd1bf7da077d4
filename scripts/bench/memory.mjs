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
  WebAssembly.Instance = new Proxy(Instance, { construct: (target, args, newTarget) => record(Reflect.construct(target, args, newTarget)) })
  // Memories made in JS and imported by a module (Emscripten's way).
  WebAssembly.Memory = new Proxy(Memory, {
    construct: (target, args, newTarget) => {
      const memory = Reflect.construct(target, args, newTarget)
      memories.add(new WeakRef(memory))
      return memory
    },
  })
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate.apply(WebAssembly, args)
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
