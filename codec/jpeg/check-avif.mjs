// Checks and measures the codec's AVIF encoder (codec.wasm's ae_encode) in Node against sharp's AVIF,
// from the same RGBA frames (sharp, lanczos3). Per encode: bytes, ms, the
// fresh instance's WASM memory after (it never shrinks: the peak), and the
// butteraugli distance of Debian's `avifdec` output against the lossless
// reference PNG; also that avifdec decodes it at the right size, and one
// RGBA-with-alpha frame. Needs avifdec (libavif-bin) and butteraugli_main
// (libjxl-devtools). Run from anywhere:
//   node codec/jpeg/check-avif.mjs [--frames L,M,T,F] [--speeds 9,8,7] [--qualities 55,60,65]
//        [--efforts 0,2] [--opt key=value ...] [--no-sharp] [--no-butteraugli] [--dir /tmp/avif-check]
// Frames: L 1620x1080, M 800x533, T 200x133 (Landscape_1.jpg inside those boxes),
// F 1920x1080 (the same photo stretched, fit 'fill'). --opt passes a libaom
// option (aom_codec_set_option name) to every encode of ours, e.g. --opt tile-columns=1.
import { execFile, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const here = path.dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2)
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : dflt
}
const list = (name, dflt) => arg(name, dflt).split(',').filter(Boolean)
const frames = list('frames', 'L,M,T,F')
const speeds = list('speeds', '9,8,7').map(Number)
const qualities = list('qualities', '55,60,65').map(Number)
const efforts = argv.includes('--no-sharp') ? [] : list('efforts', '0,2').map(Number)
const opts = argv.flatMap((a, i) => (a === '--opt' ? [argv[i + 1].split('=')] : []))
const withButteraugli = !argv.includes('--no-butteraugli')
const dir = arg('dir', '/tmp/avif-check')
const wasmFile = arg('wasm', path.join(here, '../../src/processor/codec/codec.wasm'))
const photo = arg('photo', '/work/shared/corpus/exif-orientation/Landscape_1.jpg')
fs.mkdirSync(dir, { recursive: true })
sharp.concurrency(1)
const run = promisify(execFile)
const MB = 1048576
let failures = 0
const ok = (cond, what) => {
  if (!cond) failures++
  if (!cond || argv.includes('--verbose')) console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`)
}

// ---- the wasm: standalone, so stub its few wasi imports (as src/processor/codec/codec.ts does)
const module = new WebAssembly.Module(fs.readFileSync(wasmFile))
function instantiate() { // a fresh instance per encode: its memory after is the encode's peak
  let x
  let tempRet0 = 0
  const stubs = {
    proc_exit: (code) => { throw new Error(`avif encoder exited (code ${code})`) },
    environ_sizes_get: (countPtr, sizePtr) => {
      const v = new DataView(x.memory.buffer)
      v.setUint32(countPtr, 0, true)
      v.setUint32(sizePtr, 0, true)
      return 0
    },
    environ_get: () => 0,
    // The wasm-sjlj lowering of libaom's setjmp error handling keeps a 32-bit temp in the host.
    setTempRet0: (v) => { tempRet0 = v },
    getTempRet0: () => tempRet0,
    clock_time_get: (_id, _precision, timePtr) => {
      new DataView(x.memory.buffer).setBigUint64(timePtr, 0n, true)
      return 0
    },
  }
  const imports = {}
  for (const i of WebAssembly.Module.imports(module)) {
    imports[i.module] ??= {}
    if (i.kind !== 'function') throw new Error(`unexpected import ${i.module}.${i.name}: ${i.kind}`)
    imports[i.module][i.name] =
      stubs[i.name] ?? (i.name === 'emscripten_notify_memory_growth' ? () => {} : () => 8 /* WASI EBADF */)
  }
  x = new WebAssembly.Instance(module, imports).exports
  x._initialize?.()
  return x
}
function cstr(x, s) {
  const b = Buffer.from(`${s}\0`)
  const p = x.mem_alloc(b.length)
  new Uint8Array(x.memory.buffer, p, b.length).set(b)
  return p
}

/** Encodes with a fresh instance; returns bytes, ms and the instance's memory after. */
function encodeOurs(frame, quality, speed) {
  const x = instantiate()
  for (const [k, v] of opts) if (x.ae_set_option(cstr(x, k), cstr(x, v)) !== 0) throw new Error('too many options')
  const ptr = x.mem_alloc(frame.data.length)
  new Uint8Array(x.memory.buffer, ptr, frame.data.length).set(frame.data)
  const t0 = performance.now()
  const size = x.ae_encode(ptr, frame.width, frame.height, quality, speed, frame.alpha ? 1 : 0)
  const ms = performance.now() - t0
  if (size < 0) throw new Error(`ae_encode failed: ${size}`)
  const out = new Uint8Array(x.memory.buffer, x.ae_output(), size).slice()
  x.ae_release()
  x.mem_free(ptr)
  return { out, ms, wasm: x.memory.buffer.byteLength }
}

async function encodeSharp(frame, quality, effort) {
  const t0 = performance.now()
  const out = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .avif({ quality, effort, chromaSubsampling: '4:2:0' }).toBuffer()
  return { out, ms: performance.now() - t0 }
}

// ---- frames
async function makeFrame(name, width, height, fit) {
  const { data, info } = await sharp(photo).resize(width, height, { fit, kernel: 'lanczos3' }).ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true })
  const frame = { name, width: info.width, height: info.height, data, reference: path.join(dir, `${name}-ref.png`) }
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).removeAlpha().png().toFile(frame.reference)
  return frame
}
const boxes = { L: [1620, 1080, 'inside'], M: [800, 533, 'inside'], T: [200, 133, 'inside'], F: [1920, 1080, 'fill'] }
const all = []
for (const f of frames) all.push(await makeFrame(f, ...boxes[f]))

async function decodeCheck(file, frame) {
  const png = file.replace(/\.avif$/, '.dec.png')
  await run('avifdec', [file, png])
  const meta = await sharp(png).metadata()
  ok(meta.width === frame.width && meta.height === frame.height, `${path.basename(file)} decodes at ${frame.width}x${frame.height} (got ${meta.width}x${meta.height})`)
  return png
}
async function butteraugli(reference, decoded) {
  const rgb = decoded.replace(/\.png$/, '.rgb.png')
  await sharp(decoded).removeAlpha().png().toFile(rgb)
  const { stdout } = await run('butteraugli_main', [reference, rgb])
  return Number(stdout.split('\n')[0])
}

// ---- encode everything first (sequential: timings), score after (two at a time)
const rows = []
for (const frame of all) {
  for (const speed of speeds) for (const quality of qualities) {
    const r = encodeOurs(frame, quality, speed)
    const file = path.join(dir, `${frame.name}-ours-q${quality}-s${speed}.avif`)
    fs.writeFileSync(file, r.out)
    rows.push({ frame: frame.name, size: `${frame.width}x${frame.height}`, encoder: `ours q${quality} s${speed}`, quality, speed, bytes: r.out.length, ms: r.ms, wasmMB: r.wasm / MB, file, ref: frame })
    console.error(`${frame.name} ours q${quality} s${speed}: ${r.out.length} B ${r.ms.toFixed(0)} ms ${(r.wasm / MB).toFixed(1)} MB`)
  }
  for (const effort of efforts) for (const quality of qualities) {
    const r = await encodeSharp(frame, quality, effort)
    const file = path.join(dir, `${frame.name}-sharp-q${quality}-e${effort}.avif`)
    fs.writeFileSync(file, r.out)
    rows.push({ frame: frame.name, size: `${frame.width}x${frame.height}`, encoder: `sharp q${quality} e${effort}`, quality, effort, bytes: r.out.length, ms: r.ms, file, ref: frame })
    console.error(`${frame.name} sharp q${quality} e${effort}: ${r.out.length} B ${r.ms.toFixed(0)} ms`)
  }
}
let next = 0
await Promise.all([0, 1].map(async () => {
  while (next < rows.length) {
    const row = rows[next++]
    const decoded = await decodeCheck(row.file, row.ref)
    if (withButteraugli) row.butteraugli = await butteraugli(row.ref.reference, decoded)
  }
}))

// ---- alpha: a synthesized RGBA frame (the photo at 800x533 under a radial alpha ramp)
{
  const base = all.find((f) => f.name === 'M') ?? await makeFrame('M', 800, 533, 'inside')
  const data = Buffer.from(base.data)
  for (let y = 0; y < base.height; y++) for (let x = 0; x < base.width; x++) {
    const d = Math.hypot(x - base.width / 2, y - base.height / 2) / (base.height / 2)
    data[(y * base.width + x) * 4 + 3] = Math.max(0, Math.min(255, Math.round(255 * (1.2 - d))))
  }
  const frame = { ...base, name: 'alpha', data, alpha: true }
  const r = encodeOurs(frame, 60, 9)
  const file = path.join(dir, 'alpha-ours-q60-s9.avif')
  fs.writeFileSync(file, r.out)
  const png = await decodeCheck(file, frame)
  const dec = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  let maxDiff = 0, sum = 0
  for (let i = 3; i < data.length; i += 4) {
    const diff = Math.abs(dec.data[i] - data[i])
    maxDiff = Math.max(maxDiff, diff)
    sum += diff
  }
  const meanDiff = sum / (data.length / 4)
  ok(dec.info.channels === 4 && meanDiff < 2, `alpha survives (channels ${dec.info.channels}, mean |diff| ${meanDiff.toFixed(2)}, max ${maxDiff})`)
  const opaque = encodeOurs({ ...base, alpha: true }, 60, 9)
  const plain = encodeOurs({ ...base, alpha: false }, 60, 9)
  ok(opaque.out.length === plain.out.length, `an opaque alpha channel is dropped (${opaque.out.length} vs ${plain.out.length} B)`)
  console.log(`alpha frame 800x533 q60 s9: ${r.out.length} B (opaque ${plain.out.length} B), ${r.ms.toFixed(0)} ms, WASM ${(r.wasm / MB).toFixed(1)} MB, alpha mean |diff| ${meanDiff.toFixed(2)} max ${maxDiff}`)
}

// ---- report
const pad = (s, n) => String(s).padEnd(n)
console.log(`\n${pad('frame', 12)}${pad('encoder', 18)}${pad('bytes', 9)}${pad('ms', 8)}${pad('WASM MB', 9)}butteraugli`)
for (const r of rows) {
  console.log(`${pad(`${r.frame} ${r.size}`, 12)}${pad(r.encoder, 18)}${pad(r.bytes, 9)}${pad(r.ms.toFixed(0), 8)}${pad(r.wasmMB ? r.wasmMB.toFixed(1) : '', 9)}${r.butteraugli?.toFixed(3) ?? ''}`)
}
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(rows.map(({ ref, ...r }) => r), null, 1))
console.log(failures ? `\n${failures} FAILED` : '\nall checks passed')
process.exitCode = failures ? 1 : 0
