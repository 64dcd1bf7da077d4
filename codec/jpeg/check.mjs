// Checks src/processor/codec (glue + codec.wasm) in Node: correctness
// against djpeg/ImageMagick (and @jsquash/jpeg if installed), error handling,
// memory and timing. Needs tsx (for the .ts import), /usr/bin/convert
// (imagemagick), djpeg + jpegtran (libjpeg-turbo-progs). From a scratch dir
// with tsx installed:
//   npx tsx /work/main/codec/jpeg/check.mjs [imageDir]
// Test images are generated into imageDir (default /tmp/jpeg-check) if missing.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Codec, chooseScale } from '../../src/processor/codec/codec.ts'
import { ImageDecodeError } from '../../src/processor/errors.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const dir = process.argv[2] ?? '/tmp/jpeg-check'
const CONVERT = '/usr/bin/convert' // /usr/local/bin/convert may be a fake
let failures = 0
const ok = (cond, what) => {
  if (!cond) failures++
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`)
}
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { maxBuffer: 1 << 30, ...opts })
const mib = (n) => (n / 1048576).toFixed(1)

// ---- test images
fs.mkdirSync(dir, { recursive: true })
const img = (name) => path.join(dir, name)
function make(name, fn) {
  if (!fs.existsSync(img(name))) fn(img(name))
}
const photoArgs = (w, h, seed) => ['-size', `${w}x${h}`, '-seed', String(seed), 'plasma:fractal',
  '-blur', '0x2', '-attenuate', '0.6', '+noise', 'Gaussian']
make('photo.jpg', (f) => run(CONVERT, [...photoArgs(4032, 3024, 7), '-quality', '85', '-sampling-factor', '4:2:0', f]))
make('big.jpg', (f) => { // 8000x6000: Debian's ImageMagick policy refuses 48 MP, so djpeg x2 + noise + cjpeg + crop
  const ppm = run('djpeg', ['-scale', '16/8', img('photo.jpg')])
  const start = ppm.length - 8064 * 6048 * 3
  let s = 1
  for (let i = start; i < ppm.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    ppm[i] = Math.max(0, Math.min(255, ppm[i] + ((s >>> 24) % 25) - 12))
  }
  fs.writeFileSync(img('big.ppm'), ppm)
  run('cjpeg', ['-quality', '85', '-sample', '2x2', '-outfile', img('big-uncropped.jpg'), img('big.ppm')])
  run('jpegtran', ['-crop', '8000x6000+0+0', '-outfile', f, img('big-uncropped.jpg')])
  fs.rmSync(img('big.ppm'))
  fs.rmSync(img('big-uncropped.jpg'))
})
make('prog.jpg', (f) => run(CONVERT, [img('photo.jpg'), '-interlace', 'JPEG', '-quality', '85', f]))
make('bigprog.jpg', (f) => run('jpegtran', ['-progressive', '-outfile', f, img('big.jpg')]))
make('gray.jpg', (f) => run(CONVERT, [img('photo.jpg'), '-colorspace', 'Gray', '-quality', '85', f]))
make('cmyk.jpg', (f) => run(CONVERT, [img('photo.jpg'), '-resize', '1008x756', '-colorspace', 'CMYK', '-quality', '92', f]))
make('s444.jpg', (f) => run(CONVERT, [img('photo.jpg'), '-sampling-factor', '4:4:4', '-quality', '90', f]))
make('s422odd.jpg', (f) => run(CONVERT, [img('photo.jpg'), '-resize', '1001x777!', '-sampling-factor', '4:2:2', '-quality', '90', f]))
make('odd.jpg', (f) => run(CONVERT, [img('photo.jpg'), '-resize', '1001x777!', '-sampling-factor', '4:2:0', '-quality', '90', f]))
make('restart.jpg', (f) => run('jpegtran', ['-restart', '2', '-outfile', f, img('odd.jpg')]))
make('arith.jpg', (f) => run('jpegtran', ['-arithmetic', '-outfile', f, img('odd.jpg')]))
const photo = fs.readFileSync(img('photo.jpg'))
const prog = fs.readFileSync(img('prog.jpg'))
const restart = fs.readFileSync(img('restart.jpg'))
const corrupt = {
  'empty': Buffer.alloc(0),
  'random bytes': Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 255)),
  'truncated at 600 bytes': photo.subarray(0, 600),
  'truncated in header (100 bytes)': photo.subarray(0, 100),
  'baseline truncated at half': photo.subarray(0, photo.length >> 1),
  'baseline truncated at 99%': photo.subarray(0, Math.floor(photo.length * 0.99)),
  'progressive truncated at half': prog.subarray(0, prog.length >> 1),
  'progressive truncated at 95%': prog.subarray(0, Math.floor(prog.length * 0.95)),
  'restart-marker file truncated at half': restart.subarray(0, restart.length >> 1),
  '20 flipped bytes': flip(photo, 20, 1),
  '4000 zero bytes in the middle': (() => { const b = Buffer.from(photo); b.fill(0, b.length >> 1, (b.length >> 1) + 4000); return b })(),
  '117 junk bytes before EOI (over the 32 tolerated after scan data)': Buffer.concat([photo.subarray(0, -2), Buffer.from('\xff\x00\xff\x00' + '\x12\x34\x56'.repeat(40), 'latin1'), Buffer.from([0xff, 0xd9])]),
  'header claims 20000x20000': withSize(fs.readFileSync(img('odd.jpg')), 20000, 20000),
  'header claims 0 height': withSize(fs.readFileSync(img('odd.jpg')), 1001, 0),
}
const benign = {
  'missing EOI marker': photo.subarray(0, -2),
  'garbage after EOI': Buffer.concat([photo, Buffer.from('trailing garbage')]),
  // libjpeg warns "extraneous bytes before marker" and reads on (docs/decoding.md).
  '500 junk bytes before the first marker after SOI': Buffer.concat([photo.subarray(0, 2), Buffer.alloc(500, 0x20), photo.subarray(2)]),
  '8 junk bytes before EOI': Buffer.concat([photo.subarray(0, -2), Buffer.from('junk\0\0\0\0', 'latin1'), Buffer.from([0xff, 0xd9])]),
  'a second SOF after the scan': Buffer.concat([photo.subarray(0, -2), Buffer.from([0xff, 0xc0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0, 0xff, 0xd9])]),
}
function flip(buf, count, seed) {
  const b = Buffer.from(buf)
  let s = seed
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32
  for (let i = 0; i < count; i++) b[Math.floor(b.length / 3 + rnd() * (b.length * 2 / 3 - 10))] = Math.floor(rnd() * 256)
  return b
}
function withSize(buf, w, h) { // patch the SOF0/SOF2 frame header
  const b = Buffer.from(buf)
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(h, i + 5)
      b.writeUInt16BE(w, i + 7)
      return b
    }
  }
  throw new Error('no SOF')
}

// ---- references
function readPnm(buf) { // P5/P6 from djpeg -> RGBA
  const tokens = []
  let i = 0
  while (tokens.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]))) i++
    let t = ''
    while (!/\s/.test(String.fromCharCode(buf[i]))) t += String.fromCharCode(buf[i++])
    tokens.push(t)
  }
  i++
  const [magic, w, h] = [tokens[0], +tokens[1], +tokens[2]]
  const ch = magic === 'P6' ? 3 : 1
  const out = new Uint8Array(w * h * 4)
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = buf[i + p * ch + (ch === 3 ? c : 0)]
    out[p * 4 + 3] = 255
  }
  return { width: w, height: h, data: out }
}
const djpeg = (file, m) => readPnm(run('djpeg', ['-scale', `${m}/8`, '-rgb', file]))
const magick = (file, w, h) => ({ width: w, height: h, data: run(CONVERT, [file, '-colorspace', 'sRGB', '-resize', `${w}x${h}!`, '-depth', '8', 'rgba:-']) })
function diff(a, b) {
  if (a.width !== b.width || a.height !== b.height) return { max: Infinity, mean: Infinity }
  let max = 0, sum = 0
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i])
    sum += d
    if (d > max) max = d
  }
  return { max, mean: sum / a.data.length }
}
const fmt = (d) => `max ${d.max}, mean ${d.mean.toFixed(3)}`

// ---- module, imports
const wasmPath = path.join(root, 'src/processor/codec/codec.wasm')
const module = new WebAssembly.Module(fs.readFileSync(wasmPath))
console.log(`codec.wasm: ${fs.statSync(wasmPath).size} bytes`)
console.log('imports:', WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).join(', '))
const decoder = await Codec.create(module) // LinkError here if the glue misses an import
ok(true, 'instantiates with only the glue\'s imports')

// ---- chooseScale
ok(JSON.stringify(chooseScale(4032, 3024, 1440, 1080)) === '{"num":3,"denom":8}', 'chooseScale 4032x3024 >= 1440x1080 -> 3/8')
ok(chooseScale(8000, 6000, 1440, 1080).num === 2, 'chooseScale 8000x6000 >= 1440x1080 -> 2/8')
ok(chooseScale(1000, 1000, 2000, 10).num === 8, 'chooseScale too small -> 8/8')
ok(chooseScale(1001, 777, 126, 98).num === 1 && chooseScale(1001, 777, 127, 98).num === 2, 'chooseScale uses ceil(dim*M/8)')

// ---- correctness
const scaleFor = (w, h, m) => [Math.ceil(w * m / 8), Math.ceil(h * m / 8)]
const corpus = fs.existsSync('/work/shared/corpus/exif-orientation')
  ? fs.readdirSync('/work/shared/corpus/exif-orientation').filter((f) => f.endsWith('.jpg')).map((f) => `/work/shared/corpus/exif-orientation/${f}`)
  : []
const files = ['photo.jpg', 'prog.jpg', 'gray.jpg', 's444.jpg', 's422odd.jpg', 'odd.jpg', 'restart.jpg', 'arith.jpg'].map(img)
for (const file of [...files, ...corpus]) {
  const bytes = new Uint8Array(fs.readFileSync(file))
  const info = decoder.readInfo(bytes)
  const scales = corpus.includes(file) ? [8, 1] : [8, 4, 3, 2, 1]
  for (const m of scales) {
    const [w, h] = scaleFor(info.width, info.height, m)
    const got = decoder.decode(bytes, w, h)
    ok(got.scaleNum === m && got.width === w && got.height === h, `${path.basename(file)} ${info.width}x${info.height} at ${m}/8 -> ${got.width}x${got.height}`)
    const d = diff(got, djpeg(file, m))
    ok(d.max <= 1, `  vs djpeg -scale ${m}/8: ${fmt(d)}`)
    if (m === 8 || m === 4 || m === 2) {
      const dm = diff(got, magick(file, w, h))
      ok(m === 8 ? dm.max <= 1 : dm.mean < 4, `  vs ImageMagick ${m === 8 ? 'decode' : 'resize'} ${w}x${h}: ${fmt(dm)}`)
    }
  }
}
{ // CMYK (Adobe, inverted) vs ImageMagick's naive CMYK -> sRGB
  const file = img('cmyk.jpg')
  const got = decoder.decode(new Uint8Array(fs.readFileSync(file)), 1, 1)
  ok(got.scaleNum === 1, `cmyk.jpg at 1/8 -> ${got.width}x${got.height}`)
  const full = decoder.decode(new Uint8Array(fs.readFileSync(file)), 100000, 100000)
  const d = diff(full, magick(file, full.width, full.height))
  ok(d.mean < 2, `cmyk.jpg 1/1 vs ImageMagick -colorspace sRGB: ${fmt(d)}`)
}
try { // optional: mozjpeg via @jsquash/jpeg from the current directory
  const require = createRequire(path.join(process.cwd(), 'x.js'))
  const jsq = await import(pathToFileURL(require.resolve('@jsquash/jpeg/decode.js')).href)
  await jsq.init(new WebAssembly.Module(fs.readFileSync(require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'))))
  for (const file of [img('photo.jpg'), img('prog.jpg'), img('gray.jpg')]) {
    const ref = await jsq.default(fs.readFileSync(file))
    const got = decoder.decode(new Uint8Array(fs.readFileSync(file)), 100000, 100000)
    ok(diff(got, ref).max <= 1, `${path.basename(file)} 1/1 vs @jsquash/jpeg: ${fmt(diff(got, ref))}`)
  }
} catch (e) {
  console.log(`(skipping @jsquash/jpeg comparison: ${e.message.split('\n')[0]})`)
}

// ---- errors: each must be an ImageDecodeError, and the decoder must still work
const small = new Uint8Array(fs.readFileSync(img('odd.jpg')))
const smallRef = decoder.decode(small, 1, 1)
for (const [name, bytes] of Object.entries(corrupt)) {
  let error
  const t = performance.now()
  try {
    decoder.decode(new Uint8Array(bytes), 1440, 1080)
  } catch (e) {
    error = e
  }
  const ms = performance.now() - t
  ok(error instanceof ImageDecodeError, `${name}: ${error instanceof ImageDecodeError ? 'ImageDecodeError' : error ? error.constructor.name : 'no error'} "${error?.message}" (${ms.toFixed(0)} ms)`)
  const after = decoder.decode(small, 1, 1)
  if (diff(after, smallRef).max !== 0) ok(false, '  decoder broken after the error')
}
for (const [name, bytes] of Object.entries(benign)) {
  const got = decoder.decode(new Uint8Array(bytes), 1440, 1080)
  ok(diff(got, decoder.decode(photo, 1440, 1080)).max === 0, `${name}: decodes, same pixels`)
}
{
  const before = decoder.memoryBytes
  try { decoder.decode(new Uint8Array(corrupt['header claims 20000x20000']), 1, 1) } catch {}
  ok(decoder.memoryBytes === before, `pixel limit refuses before allocating (memory ${mib(before)} -> ${mib(decoder.memoryBytes)} MiB)`)
}

// ---- memory recycling and the coefficient cap
{
  decoder.decode(new Uint8Array(prog), 1440, 1080)
  const grown = decoder.memoryBytes
  decoder.decode(photo, 1440, 1080)
  ok(grown > 32 << 20 && decoder.memoryBytes < 4 << 20, `progressive 12 MP grows memory to ${mib(grown)} MiB; next decode re-instantiates -> ${mib(decoder.memoryBytes)} MiB`)
  let error
  try { decoder.decode(new Uint8Array(fs.readFileSync(img('bigprog.jpg'))), 1440, 1080) } catch (e) { error = e }
  ok(error instanceof ImageDecodeError, `8000x6000 progressive over the 64 MiB coefficient cap: "${error?.message}", memory ${mib(decoder.memoryBytes)} MiB`)
}

// ---- timing and memory (fresh instance per row, median of 7 warm runs)
console.log('\n| file | min size | scale | output | median ms | WASM memory after |')
console.log('|---|---|---|---|---|---|')
for (const [file, minW, minH] of [
  ['photo.jpg', 1440, 1080], ['photo.jpg', 2016, 1512], ['photo.jpg', 1008, 756], ['photo.jpg', 1, 1], ['photo.jpg', 1e9, 1e9],
  ['big.jpg', 1440, 1080], ['big.jpg', 1e9, 1e9], ['prog.jpg', 1440, 1080], ['gray.jpg', 1440, 1080],
]) {
  const d = await Codec.create(module)
  const bytes = new Uint8Array(fs.readFileSync(img(file)))
  const times = []
  let out
  for (let i = 0; i < 8; i++) {
    const t = performance.now()
    out = d.decode(bytes, minW, minH)
    if (i > 0) times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  const min = minW > 1e8 ? 'full' : `${minW}x${minH}`
  console.log(`| ${file} | ${min} | ${out.scaleNum}/8 | ${out.width}x${out.height} | ${times[3].toFixed(0)} | ${mib(d.memoryBytes)} MiB |`)
}
console.log(failures ? `\n${failures} FAILED` : '\nall checks passed')
process.exitCode = failures ? 1 : 0
