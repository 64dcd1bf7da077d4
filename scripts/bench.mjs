/**
 * npm run bench -- [--reps N] [--stream N] [files...]
 *
 * Runs the processor exactly as the Worker does (src/processor/render.ts and
 * its .wasm, bundled for Node by scripts/bench/bundle.mjs) on each file and
 * compares with native sharp (libvips, one thread, in a child process) making
 * the same three variants from the same file. Default files: a generated 12 MP photo, and
 * a baseline JPEG, a PNG and a progressive JPEG at the pixel caps
 * (MAX_PIXELS / MAX_PROGRESSIVE_PIXELS in wrangler.processor.toml), the
 * 12 MP photo with an embedded Adobe RGB, Display P3 and CMYK (SWOP) profile
 * (both sides convert to sRGB), and the adversarial shapes of issue 16 at the
 * worst the decode plan accepts (scripts/bench/adversarial.mjs).
 *
 * Memory = every WebAssembly.Memory + JS heap used + JS ArrayBuffers, sampled
 * at every step: "live" after a forced GC (what the isolate must hold), "raw"
 * without (garbage not yet collected included); "in-step" is the raw total
 * also sampled at every JS allocation of 1 MiB or more and at every WASM memory
 * growth inside steps: the honest peak, as an isolate without a forced GC sees it.
 * "WASM" is the largest WASM memory seen. Streams: each file --stream times in a
 * row, then --mixed rounds of all files in turn, in one process. Prints a table, then one JSON line.
 */
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { trackWasmMemories, allocationHooks, allocationPeak, sample, peakRss } from './bench/memory.mjs'
import { readInput } from './bench/inputs.mjs'
import { defaultInputs, processorLimits } from './bench/default-inputs.mjs'
import { loadProcessor } from './bench/bundle.mjs'
import { fork } from 'node:child_process'
import { formatsTable } from './bench/formats-table.mjs'

if (!globalThis.gc) {
  console.error('run with node --expose-gc (npm run bench does)')
  process.exit(2)
}
trackWasmMemories()

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MB = 1024 * 1024
const BUDGET = 96 * MB

const { values, positionals: args } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '3' }, stream: { type: 'string', default: '3' }, mixed: { type: 'string', default: '2' } },
})
const reps = Number(values.reps)
const streamCount = Number(values.stream)
const mixedRounds = Number(values.mixed)

const { maxPixels, maxProgressive, maxBytes } = processorLimits(root)
const files = args.length ? args.map((f) => resolve(f)) : await defaultInputs({ maxPixels, maxProgressive, maxBytes })

const processor = await loadProcessor()
const { renderVariants, PRESETS: VARIANT_BOXES, planDecode, sniffImage } = processor
const planOf = (bytes) => {
  const sniffed = sniffImage(bytes)
  return sniffed.ok ? planDecode(sniffed.header) : { ok: false, reason: sniffed.detail, peakBytes: 0, cpuMs: 0 }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mb = (n) => (n / MB).toFixed(1)

/**
 * Ends the current job so WeakRefs deref'd in it no longer keep their target
 * (a replaced instance's memory) alive through the next gc(): V8 keeps them
 * until the microtask queue drains, and a render is all microtasks.
 */
const drain = () => new Promise((resolve) => setImmediate(resolve))

/** One run of the Worker's code; returns per-step ms and memory peaks (sampled at start and after every step). */
async function runOurs(bytes) {
  await drain()
  const steps = {}
  const peak = { live: sample(true), raw: sample(false) }
  const take = () => {
    const raw = sample(false)
    const live = sample(true)
    if (raw.total > peak.raw.total) peak.raw = raw
    if (live.total > peak.live.total) peak.live = live
  }
  take()
  allocationPeak.reset()
  allocationHooks.on()
  const sizes = []
  let outBytes = 0
  try {
    for await (const variant of renderVariants(bytes, VARIANT_BOXES, {
      maxPixels: Math.max(maxPixels, maxProgressive),
      onStep: (name, ms) => {
        steps[name] = ms
        take()
      },
    })) {
      sizes.push(`${variant.width}x${variant.height}`)
      outBytes += variant.files.reduce((n, f) => n + f.bytes.byteLength, 0)
    }
  } finally {
    allocationHooks.off()
  }
  take()
  peak.inStep = Math.max(allocationPeak.total, peak.raw.total)
  peak.wasm = Math.max(allocationPeak.wasmMax, peak.raw.wasm, peak.live.wasm)
  return { steps, peak, sizes, outBytes, total: Object.values(steps).reduce((a, b) => a + b, 0) }
}

// sharp runs in a child process (scripts/bench/sharp-child.mjs), one job at a time, so its buffers
// never count in this process's memory figures.
const sharpChild = fork(resolve(root, 'scripts/bench/sharp-child.mjs'))
async function sharpRun(file) {
  return new Promise((done) => {
    sharpChild.once('message', done)
    sharpChild.send({ file, boxes: VARIANT_BOXES })
  })
}

// Warm up on every file first (JIT, every codec instantiated: the PNG encoder
// stays resident once used), so single-image figures are an isolate's steady state.
for (const file of files) {
  await runOurs(readInput(file))
  await sharpRun(file)
}
const results = []
for (const file of files) {
  const bytes = readInput(file)
  // Alternate ours and sharp so both see the same machine state.
  const ours = []
  const natives = []
  for (let i = 0; i < reps; i++) {
    ours.push(await runOurs(bytes))
    natives.push(await sharpRun(file))
  }
  const stepNames = Object.keys(ours[0].steps)
  const steps = Object.fromEntries(stepNames.map((s) => [s, +median(ours.map((o) => o.steps[s])).toFixed(1)]))
  const total = median(ours.map((o) => o.total))
  const sharpMs = median(natives.map((n) => n.ms))
  const live = ours.map((o) => o.peak.live).reduce((a, b) => (b.total > a.total ? b : a))
  const raw = ours.map((o) => o.peak.raw).reduce((a, b) => (b.total > a.total ? b : a))
  const plan = planOf(bytes)
  results.push({
    file: basename(file), bytes: bytes.byteLength, sizes: ours[0].sizes, steps,
    plan: { ok: plan.ok, peakMiB: +(plan.peakBytes / MB).toFixed(1), cpuS: +(plan.cpuMs / 1000).toFixed(2), encodeCpuS: +((plan.encodeCpuMs ?? 0) / 1000).toFixed(2) },
    totalMs: +total.toFixed(1), sharpMs: +sharpMs.toFixed(1), ratio: +(total / sharpMs).toFixed(2),
    // The variants' encoded bytes, ours and sharp's (PNG: zlib level and filtering compared).
    outKB: Math.round(ours[0].outBytes / 1024), sharpOutKB: Math.round(natives[0].outBytes / 1024),
    peakLiveMB: +mb(live.total), peakLive: { wasmMB: +mb(live.wasm), heapMB: +mb(live.heapUsed), arrayBuffersMB: +mb(live.arrayBuffers) },
    peakRawMB: +mb(raw.total), peakInStepMB: +mb(Math.max(...ours.map((o) => o.peak.inStep))), peakWasmMB: +mb(Math.max(...ours.map((o) => o.peak.wasm))), peakRssMB: +mb(peakRss()),
  })
}

// Target 4: a stream of images in one isolate. Each file is processed N times
// in a row: the second half of the runs must peak no higher than the first
// half (median of per-run in-step peaks: nothing accumulates), and a mixed stream of all files in turn
// (--mixed rounds) must stay within the budget, in-step, i.e. with whatever garbage is not yet collected.
// (A file's single-image figure above depends on what ran before it, e.g. how far the WASM memory
// had grown, so the stream is compared with itself.)
// Each run reads its file afresh, as the consumer reads each original from R2: holding every input
// at once would count ~25 MB that no isolate holds, and a fresh read's garbage is what an isolate sees.
const inputs = files
const streamPeak = []
const growth = []
for (const file of inputs) {
  const peaks = []
  for (let i = 0; i < streamCount; i++) peaks.push((await runOurs(readInput(file))).peak.inStep)
  const half = Math.ceil(peaks.length / 2)
  streamPeak.push(Math.max(...peaks))
  // Medians, so one run that caught extra garbage is not read as a leak; the maximum is checked against the budget.
  growth.push(median(peaks.slice(half)) - median(peaks.slice(0, half)))
}
const mixed = { inStep: [], live: [], wasm: [] }
for (let round = 0; round < mixedRounds; round++) {
  for (const file of inputs) {
    const { peak } = await runOurs(readInput(file))
    mixed.inStep.push(peak.inStep)
    mixed.live.push(peak.live.total)
    mixed.wasm.push(peak.wasm)
  }
}
const mixedPeak = Math.max(...mixed.inStep)
const roundPeaks = Array.from({ length: mixedRounds }, (_, r) => Math.max(...mixed.inStep.slice(r * inputs.length, (r + 1) * inputs.length)))
// 1 MB slack: heap figures move by a few hundred KB between identical runs.
const flat = growth.every((g) => g <= MB) && roundPeaks.every((p) => p <= roundPeaks[0] + MB) && Math.max(mixedPeak, ...streamPeak) <= BUDGET
const stream = { mixedPeak, growth }

const pad = (s, n) => String(s).padEnd(n)
console.log(`\nprocessor vs sharp (one thread), median of ${reps}; memory budget ${mb(BUDGET)} MB; caps ${maxPixels} px, progressive ${maxProgressive} px\n`)
console.log(pad('file', 40) + pad('KB', 7) + pad('steps (ms)', 92) + pad('total', 8) + pad('sharp', 8) + pad('ratio', 7) + pad('peak live MB (wasm+heap+buf)', 30) + pad('raw MB', 8) + pad('in-step MB', 12) + pad('WASM MB', 9) + pad('plan MiB/s', 12) + 'RSS MB')
for (const r of results) {
  const stepText = Object.entries(r.steps).map(([k, v]) => `${k} ${v}`).join(', ')
  const l = r.peakLive
  console.log(
    pad(r.file, 40) + pad(Math.round(r.bytes / 1024), 7) + pad(stepText, 92) + pad(r.totalMs, 8) + pad(r.sharpMs, 8) + pad(`${r.ratio}x`, 7) +
      pad(`${r.peakLiveMB} (${l.wasmMB}+${l.heapMB}+${l.arrayBuffersMB})`, 30) + pad(r.peakRawMB, 8) + pad(r.peakInStepMB, 12) + pad(r.peakWasmMB, 9) +
      pad(r.plan.ok ? `${r.plan.peakMiB}/${r.plan.cpuS}` : 'REFUSED', 12) + r.peakRssMB,
  )
}
console.log(
  `\nstream: each file ${streamCount} times in a row, in-step peak ${streamPeak.map((p) => mb(p)).join(' / ')} MB ` +
    `(median peak, second half minus first half: ${growth.map((g) => mb(g)).join(' / ')} MB)\n` +
    `mixed stream, ${mixedRounds} rounds of all ${inputs.length} files in turn: in-step peak ${mb(mixedPeak)} MB (per round ${roundPeaks.map((p) => mb(p)).join(' / ')}), ` +
    `live peak ${mb(Math.max(...mixed.live))} MB, WASM ${mb(Math.max(...mixed.wasm))} MB: ${flat ? 'flat' : 'GREW'}`,
)
// Target: per format and variant, bytes and butteraugli next to sharp's at the same settings, on a
// real photo (the 1800x1200 Landscape_1.jpg). Met when bytes <= sharp's at a butteraugli
// within 5% of sharp's, or when ours is both smaller and better (the JPEG/PNG fallback too).
const formats = await formatsTable(readInput(resolve(root, 'test/fixtures/exif-orientation/Landscape_1.jpg')), processor, VARIANT_BOXES)
if (formats.skipped) console.log(`formats: skipped (${formats.skipped})`)
else {
  console.log(`\nformats, Landscape_1.jpg (1800x1200): ours vs sharp's encoder on the same pixels (ours, resized) at the same settings (JPEG q${formats.jpegQuality}, the source's estimated quality; WebP q80 e4; AVIF q60, sharp effort 2, ours speed 7 with tune iq as libheif); butteraugli vs ImageMagick's exact Lanczos-3 resize; a modern file not smaller than the files before it is not made`)
  console.log(pad('variant', 18) + pad('format', 8) + pad('bytes', 9) + pad('sharp', 9) + pad('ratio', 8) + pad('butteraugli', 13) + pad('sharp', 8) + pad('ratio', 8) + 'Debian tool decodes')
  for (const r of formats.rows) {
    r.ok = r.decodes && (r.sharpBytes === undefined || (r.bytesRatio <= 1 && r.butteraugliRatio <= 1.05))
    console.log(pad(`${r.variant} ${r.size}`, 18) + pad(r.format, 8) + pad(r.bytes, 9) + pad(r.sharpBytes ?? '', 9) + pad(r.bytesRatio ?? '', 8) + pad(r.butteraugli.toFixed(3), 13) + pad(r.sharpButteraugli?.toFixed(3) ?? '', 8) + pad(r.butteraugliRatio ?? '', 8) + (r.decodes ? 'yes' : 'NO') + (r.ok ? '' : '  (target missed)'))
  }
  console.log('resamplers, lossless, butteraugli vs the exact Lanczos-3: ' + formats.resamplers.map((r) => `${r.variant} ${r.size} ours ${r.ours.toFixed(3)} sharp ${r.sharp.toFixed(3)}`).join('; '))
}
const targets = {
  formats: formats.skipped ? 'skipped' : formats.rows.every((r) => r.ok),
  memory: results.every((r) => r.peakInStepMB * MB <= BUDGET),
  speed: results.every((r) => r.ratio <= 2),
  flat,
}
console.log(`targets: formats bytes <= sharp's at butteraugli within 5% ${targets.formats === true ? 'ok' : targets.formats || 'FAIL'}, in-step peak <= 96 MB ${targets.memory ? 'ok' : 'FAIL'}, time <= 2x sharp ${targets.speed ? 'ok' : 'FAIL'}, flat over ${streamCount} ${flat ? 'ok' : 'FAIL'}\n`)
console.log(JSON.stringify({ node: process.version, reps, maxPixels, maxProgressivePixels: maxProgressive, results, stream: { count: streamCount, peakInStepMB: streamPeak.map((p) => +mb(p)), growthMB: stream.growth.map((g) => +mb(g)), mixedRounds, mixedPeakMB: +mb(stream.mixedPeak), mixedRoundPeaksMB: roundPeaks.map((p) => +mb(p)), mixedLivePeakMB: +mb(Math.max(...mixed.live)), mixedWasmMB: +mb(Math.max(...mixed.wasm)), flat }, formats, targets }))
sharpChild.kill()
