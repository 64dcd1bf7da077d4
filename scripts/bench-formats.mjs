/**
 * npm run bench:formats -- [--reps N] [--slow] [--no-isolate] [--only REGEX] [files...]
 *
 * Issue 13, item 1: which WebP/AVIF encoder fits the processor's budget. Each
 * input is resized by sharp (lanczos3, upright, inside the preset boxes) to
 * RGBA: the common input of every encoder, and (losslessly, as PNG) the
 * butteraugli reference. Encoders: @jsquash/webp and @jsquash/avif (their
 * WASM in Node, one thread) at several quality/speed settings, and sharp's
 * webp/avif (libvips, one thread) at matched settings, all from the same RGBA.
 *
 * Per encoder and variant: bytes, butteraugli (butteraugli_main, Debian's
 * libjxl-devtools; each output decoded by Debian's dwebp/avifdec), time
 * (fastest of --reps), and for WASM encoders the memory: a fresh instance per
 * setting, so its WebAssembly.Memory after the three variants is that
 * setting's WASM peak (it never shrinks), plus JS heap + ArrayBuffers sampled
 * in-step (no GC) at every 1 MiB allocation and every memory.grow.
 * "isolate": the processor's own render of the 12 MP photo (as in npm run bench)
 * and then the chosen WebP and AVIF settings on its three variants, in one
 * process: every WASM memory + JS heap + ArrayBuffers, in-step.
 * Prints a table, then one JSON line.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { trackWasmMemories, allocationHooks, allocationPeak, sample, sampleInStep } from './bench/memory.mjs'
import { photo12mp, readInput } from './bench/inputs.mjs'

if (!globalThis.gc) {
  console.error('run with node --expose-gc (npm run bench:formats does)')
  process.exit(2)
}
for (const tool of ['butteraugli_main', 'dwebp', 'avifdec']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`])
  } catch {
    console.error(`${tool} missing: apt-get install libjxl-devtools webp libavif-bin`)
    process.exit(2)
  }
}
trackWasmMemories()
// Emscripten's non-standalone glue grows memory from JS: sample there, so a
// growth inside one encode is seen with the JS heap of that moment.
const grow = WebAssembly.Memory.prototype.grow
WebAssembly.Memory.prototype.grow = function (...a) {
  const r = grow.apply(this, a)
  sampleInStep()
  return r
}

const { default: sharp } = await import('sharp')
sharp.concurrency(1)
sharp.cache(false)
const webp = await import('@jsquash/webp/encode.js')
const avif = await import('@jsquash/avif/encode.js')

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const MB = 1024 * 1024
const BUDGET = 96 * MB
const BOXES = [
  { name: 'large', width: 1920, height: 1080 },
  { name: 'medium', width: 800, height: 600 },
  { name: 'thumb', width: 200, height: 150 },
]

const { values, positionals: args } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '2' }, slow: { type: 'boolean', default: false }, only: { type: 'string' }, 'no-isolate': { type: 'boolean', default: false } },
})
const reps = Number(values.reps)
const slow = values.slow
const only = values.only ? new RegExp(values.only) : null
const isolate = !values['no-isolate']
const corpus = [resolve(root, '../shared/corpus'), '/work/shared/corpus'].find((d) => existsSync(d))
const files = args.length ? args.map((f) => resolve(f)) : [resolve(corpus, 'exif-orientation/Landscape_1.jpg'), await photo12mp()]
const outDir = resolve(root, 'node_modules/.cache/processor-bench/formats')
mkdirSync(outDir, { recursive: true })

/** A fresh instance of a jsquash codec (its own memory), so each setting's WASM peak is its own. */
async function freshCodec(codec, wasmFile) {
  const module = new WebAssembly.Module(readFileSync(require.resolve(wasmFile)))
  const state = { memory: null }
  await codec.init(module, {
    instantiateWasm: (imports, done) => {
      const instance = new WebAssembly.Instance(module, imports)
      state.memory = Object.values(instance.exports).find((v) => v instanceof WebAssembly.Memory)
      done(instance)
      return instance.exports
    },
  })
  return state
}
const WEBP_WASM = '@jsquash/webp/codec/enc/webp_enc_simd.wasm'

/** codec/webp/webp_enc.wasm (Debian's libwebp, codec/webp/build.sh), if built: a fresh instance. */
const DEBIAN_WEBP = resolve(root, 'codec/webp/webp_enc.wasm')
function debianWebp() {
  const module = new WebAssembly.Module(readFileSync(DEBIAN_WEBP))
  const instance = new WebAssembly.Instance(module, { env: { emscripten_notify_memory_growth: () => {} } })
  instance.exports._initialize()
  return { memory: instance.exports.memory, exports: instance.exports }
}
/** RGBA into WASM memory, one call, the file copied out (as the processor would store it). */
function debianWebpEncode({ exports }, v, quality, method) {
  const ptr = exports.we_malloc(v.data.byteLength)
  new Uint8Array(exports.memory.buffer, ptr, v.data.byteLength).set(v.data)
  const size = exports.we_encode(ptr, v.width, v.height, quality, method)
  exports.we_free(ptr)
  if (size < 0) throw new Error(`WebP encoding error ${-size}`)
  const out = new Uint8Array(exports.memory.buffer, exports.we_output(), size).slice()
  exports.we_release()
  return out
}
const AVIF_WASM = '@jsquash/avif/codec/enc/avif_enc.wasm'

const clamped = (v) => ({ data: new Uint8ClampedArray(v.data.buffer, v.data.byteOffset, v.data.byteLength), width: v.width, height: v.height })
const fromRaw = (v) => sharp(v.data, { raw: { width: v.width, height: v.height, channels: 4 } })

// Encoders. `effort` is the class compared for time: sharp's webp effort = libwebp method;
// sharp's avif effort e = libaom cpu-used 9 - e, jsquash's avif speed s = cpu-used s (both 4:2:0 here).
const jsWebp = (quality, method) => ({
  name: `jsquash webp q${quality} m${method}`, format: 'webp', wasm: true, effort: method, quality,
  setup: () => freshCodec(webp, WEBP_WASM),
  encode: async (v) => new Uint8Array(await webp.default(clamped(v), { quality, method })),
})
const shWebp = (quality, effort) => ({
  name: `sharp webp q${quality} e${effort}`, format: 'webp', effort, quality,
  encode: (v) => fromRaw(v).webp({ quality, effort }).toBuffer(),
})
const debWebp = (quality, method) => {
  let codec
  return {
    name: `debian webp q${quality} m${method}`, format: 'webp', wasm: true, effort: method, quality,
    setup: () => (codec = debianWebp()),
    encode: async (v) => debianWebpEncode(codec, v, quality, method),
    teardown: () => (codec = null), // the instance must not outlive its row (the isolate run counts every memory)
  }
}
const jsAvif = (quality, speed) => ({
  name: `jsquash avif q${quality} s${speed}`, format: 'avif', wasm: true, effort: 9 - Math.min(speed, 9), quality,
  setup: () => freshCodec(avif, AVIF_WASM),
  encode: async (v) => new Uint8Array(await avif.default(clamped(v), { quality, speed, subsample: 1 })),
})
const shAvif = (quality, effort, chromaSubsampling = '4:2:0') => ({
  name: `sharp avif q${quality} e${effort}${chromaSubsampling === '4:2:0' ? '' : ` ${chromaSubsampling}`}`, format: 'avif', effort, quality,
  reference: chromaSubsampling === '4:2:0',
  encode: (v) => fromRaw(v).avif({ quality, effort, chromaSubsampling }).toBuffer(),
})
const encoders = [
  shWebp(75, 4), shWebp(80, 4), shWebp(85, 4), shWebp(80, 2), shWebp(80, 0),
  jsWebp(75, 4), jsWebp(80, 4), jsWebp(85, 4), jsWebp(80, 2), jsWebp(80, 0),
  ...(existsSync(DEBIAN_WEBP) ? [debWebp(80, 4), debWebp(80, 2), debWebp(80, 0)] : []),
  shAvif(45, 0), shAvif(55, 0), shAvif(65, 0), shAvif(55, 2), shAvif(55, 0, '4:4:4'),
  jsAvif(45, 9), jsAvif(55, 9), jsAvif(65, 9), jsAvif(55, 7),
  ...(slow ? [shAvif(55, 4), jsAvif(55, 5)] : []),
].filter((e) => !only || only.test(e.name))

/** The variants as RGBA (sharp, lanczos3) and their lossless reference PNGs for butteraugli. */
async function variantsOf(file) {
  const out = []
  for (const box of BOXES) {
    const { data, info } = await sharp(readFileSync(file), { limitInputPixels: false })
      .rotate()
      .resize(box.width, box.height, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
      .ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    const v = { box: box.name, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
    v.reference = resolve(outDir, `${basename(file)}-${box.name}-ref.png`)
    writeFileSync(v.reference, await fromRaw(v).removeAlpha().png().toBuffer())
    out.push(v)
  }
  return out
}

/** Encodes the three variants `reps` times; WASM encoders on a fresh instance each setting. */
async function run(encoder, variants) {
  const state = encoder.setup ? await encoder.setup() : null
  const ms = variants.map(() => Infinity)
  const outputs = []
  gc()
  allocationPeak.reset()
  let heapPeak = 0
  for (let r = 0; r < reps; r++) {
    for (const [i, v] of variants.entries()) {
      if (state) allocationHooks.on()
      const t = performance.now()
      const bytes = await encoder.encode(v)
      ms[i] = Math.min(ms[i], performance.now() - t)
      if (state) {
        allocationHooks.off()
        const s = sample(false)
        heapPeak = Math.max(heapPeak, s.heapUsed + s.arrayBuffers, allocationPeak.heapUsed + allocationPeak.arrayBuffers)
      }
      outputs[i] = bytes
    }
  }
  const wasm = state?.memory.buffer.byteLength ?? 0
  encoder.teardown?.()
  return { ms, outputs, wasm, peak: state ? wasm + heapPeak : 0 }
}

/** Decoded by Debian's tools (proof they read it), to an opaque PNG, scored against the reference. */
async function butteraugli(encoded, format, reference, stem) {
  const file = resolve(outDir, `${stem}.${format}`)
  const decoded = resolve(outDir, `${stem}.png`)
  writeFileSync(file, encoded)
  if (format === 'webp') execFileSync('dwebp', ['-quiet', file, '-o', decoded])
  else execFileSync('avifdec', [file, decoded], { stdio: 'ignore' })
  // butteraugli_main wants two sRGB PNGs of one shape: strip an alpha the decoder may have written.
  const rgb = `${decoded}.rgb.png`
  await sharp(readFileSync(decoded)).removeAlpha().png().toFile(rgb)
  return Number(execFileSync('butteraugli_main', [reference, rgb], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')[0])
}

const results = []
for (const file of files) {
  const variants = await variantsOf(file)
  for (const encoder of encoders) {
    const r = await run(encoder, variants)
    const stem = (box) => `${basename(file)}-${box}-${encoder.name.replace(/[^a-z0-9]+/gi, '_')}`
    results.push({
      file: basename(file), encoder: encoder.name, format: encoder.format, wasm: !!encoder.wasm, effort: encoder.effort, quality: encoder.quality,
      reference: encoder.reference ?? !encoder.wasm,
      sizes: variants.map((v) => `${v.width}x${v.height}`),
      bytes: r.outputs.map((o) => o.byteLength),
      butteraugli: await Promise.all(r.outputs.map(async (o, i) => +(await butteraugli(o, encoder.format, variants[i].reference, stem(variants[i].box))).toFixed(3))),
      ms: r.ms.map((m) => +m.toFixed(1)),
      totalMs: +r.ms.reduce((a, b) => a + b, 0).toFixed(1),
      wasmMB: +(r.wasm / MB).toFixed(1), peakMB: +(r.peak / MB).toFixed(1),
    })
    process.stderr.write('.')
  }
}
process.stderr.write('\n')

// Same run: each WASM row against sharp's row of the same format, quality and effort class.
for (const r of results.filter((x) => x.wasm)) {
  const s = results.find((x) => !x.wasm && x.reference && x.file === r.file && x.format === r.format && x.quality === r.quality && x.effort === r.effort)
  if (!s) continue
  r.vsSharp = {
    encoder: s.encoder, timeRatio: +(r.totalMs / s.totalMs).toFixed(2),
    bytesRatio: r.bytes.map((b, i) => +(b / s.bytes[i]).toFixed(3)),
    butteraugliRatio: r.butteraugli.map((b, i) => +(b / s.butteraugli[i]).toFixed(3)),
  }
}

/**
 * Bytes at equal butteraugli: for each sharp row and variant, the jsquash rows of the same format
 * and effort class (a quality sweep) interpolated (log bytes, linear in distance) to sharp's distance.
 */
const equal = []
for (const s of results.filter((x) => !x.wasm && x.reference)) {
  const sweep = results.filter((x) => x.wasm && x.file === s.file && x.format === s.format && x.effort === s.effort)
  if (sweep.length < 2) continue
  const bytesAt = s.bytes.map((_, i) => {
    const pts = sweep.map((x) => [x.butteraugli[i], x.bytes[i]]).sort((a, b) => a[0] - b[0])
    const target = s.butteraugli[i]
    const hi = pts.findIndex((p) => p[0] >= target)
    if (hi <= 0) return null // outside the sweep: no honest figure
    const [d0, b0] = pts[hi - 1]
    const [d1, b1] = pts[hi]
    const t = d1 === d0 ? 0 : (target - d0) / (d1 - d0)
    return Math.round(Math.exp(Math.log(b0) + t * (Math.log(b1) - Math.log(b0))))
  })
  equal.push({ file: s.file, sharp: s.encoder, butteraugli: s.butteraugli, sharpBytes: s.bytes, wasmBytes: bytesAt, ratio: bytesAt.map((b, i) => (b ? +(b / s.bytes[i]).toFixed(3) : null)) })
}

// The isolate: the processor as the Worker runs it, then WebP and AVIF of its three variants.
let isolateRun = null
const choice = { webp: { quality: 80, method: 4 }, avif: { quality: 55, speed: 9 } }
if (isolate) {
  const { loadProcessor } = await import('./bench/bundle.mjs')
  const { renderVariants, PRESETS } = await loadProcessor()
  const photo = await photo12mp()
  const variants = await variantsOf(photo)
  // WebP: the Debian build when it exists (the smaller WASM), else jsquash's.
  const debian = existsSync(DEBIAN_WEBP)
  const codecs = { webp: debian ? debianWebp() : await freshCodec(webp, WEBP_WASM), avif: await freshCodec(avif, AVIF_WASM) }
  const encodeWebp = (v) => (debian ? debianWebpEncode(codecs.webp, v, choice.webp.quality, choice.webp.method) : webp.default(clamped(v), choice.webp))
  // Drain first: WeakRefs deref'd in this job keep earlier rows' memories alive through a gc() (see bench.mjs).
  await new Promise((r) => setImmediate(r))
  gc()
  allocationPeak.reset()
  const steps = {}
  let top = sample(false)
  const take = () => {
    const s = sample(false)
    if (s.total > top.total) top = s
  }
  allocationHooks.on()
  try {
    for await (const _ of renderVariants(readInput(photo), PRESETS, { maxPixels: 24_000_000, onStep: take })) take()
    const t = performance.now()
    for (const v of variants) {
      await encodeWebp(v)
      take()
    }
    steps.webpMs = performance.now() - t
    const t2 = performance.now()
    for (const v of variants) {
      await avif.default(clamped(v), { ...choice.avif, subsample: 1 })
      take()
    }
    steps.avifMs = performance.now() - t2
  } finally {
    allocationHooks.off()
  }
  const inStep = Math.max(allocationPeak.total, top.total)
  isolateRun = {
    file: basename(photo), choice, webpEncoder: debian ? 'debian' : 'jsquash', inStepMB: +(inStep / MB).toFixed(1), wasmMB: +(Math.max(allocationPeak.wasmMax, top.wasm) / MB).toFixed(1),
    webpWasmMB: +(codecs.webp.memory.buffer.byteLength / MB).toFixed(1), avifWasmMB: +(codecs.avif.memory.buffer.byteLength / MB).toFixed(1),
    webpMs: +steps.webpMs.toFixed(0), avifMs: +steps.avifMs.toFixed(0), withinBudget: inStep <= BUDGET,
  }
}

const pad = (s, n) => String(s).padEnd(n)
const trio = (xs) => xs.join(' / ')
console.log(`\nWebP / AVIF encoders vs sharp (libvips ${sharp.versions.vips}, libwebp ${sharp.versions.webp}, aom ${sharp.versions.aom}; one thread), fastest of ${reps}; variants large / medium / thumb\n`)
for (const file of files.map((f) => basename(f))) {
  const rows = results.filter((r) => r.file === file)
  if (!rows.length) continue
  console.log(`${file}: ${rows[0].sizes.join(', ')}`)
  console.log(pad('encoder', 26) + pad('bytes', 26) + pad('butteraugli', 22) + pad('ms', 26) + pad('total ms', 10) + pad('vs sharp', 10) + pad('WASM MB', 9) + 'peak MB')
  for (const r of rows) {
    console.log(
      pad(r.encoder, 26) + pad(trio(r.bytes), 26) + pad(trio(r.butteraugli.map((b) => b.toFixed(2))), 22) + pad(trio(r.ms.map((m) => Math.round(m))), 26) +
        pad(Math.round(r.totalMs), 10) + pad(r.vsSharp ? `${r.vsSharp.timeRatio}x` : '', 10) + pad(r.wasm ? r.wasmMB : '', 9) + (r.wasm ? r.peakMB : ''),
    )
  }
  console.log('\nbytes at sharp\'s butteraugli (jsquash sweep of the same effort class, interpolated), ratio to sharp:')
  for (const e of equal.filter((x) => x.file === file)) console.log(`  ${pad(e.sharp, 24)} ${trio(e.ratio.map((x) => (x === null ? 'n/a' : `${x}x`)))}`)
  console.log('')
}
if (isolateRun) {
  const i = isolateRun
  console.log(
    `isolate (${i.file}): processor render, then ${i.webpEncoder} webp q${i.choice.webp.quality} m${i.choice.webp.method} and avif q${i.choice.avif.quality} s${i.choice.avif.speed} ` +
      `of its three variants: in-step peak ${i.inStepMB} MB (WASM ${i.wasmMB}: webp ${i.webpWasmMB}, avif ${i.avifWasmMB}), budget ${BUDGET / MB} MB ${i.withinBudget ? 'OK' : 'FAIL'}; webp ${i.webpMs} ms, avif ${i.avifMs} ms\n`,
  )
}
console.log(JSON.stringify({ reps, results, equal, isolate: isolateRun }))
