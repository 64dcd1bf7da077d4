/**
 * End to end, through upload and the queue consumer: files with damage libpng or libjpeg only warn
 * about are accepted (202) and complete, with the same variants as the sound file they were made
 * from; damage they refuse still ends `failed`, once, leaving no variant behind. Where the sound
 * file's variant is its own coded data (at its size), the damaged file's is re-encoded from the
 * same pixels instead: a variant never ships the damage that was forgiven.
 * Files: test/fixtures/tolerant (README.md there lists what libpng/libjpeg say about each).
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'
import { referenceDecode } from './reference'
import { stripJpeg, stripPng } from '../src/formats/strip'

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

async function uploadAndProcess(bytes: Uint8Array, name: string) {
  const res = await call(uploadRequest(token, bytes, { name }))
  expect(res.status).toBe(202)
  const { id, url } = await res.json<{ id: string; url: string }>()
  const messages = queue.take()
  expect(messages).toHaveLength(3)
  const result = await runQueue(messages)
  expect(result.retryMessages).toHaveLength(0)
  expect(result.explicitAcks).toHaveLength(3)
  return { id, url, meta: await (await call(`/images/${id}`)).json<any>() }
}

/** name -> [width, height, bytes] of each variant. */
async function variants(meta: any) {
  const out: Record<string, [number, number, Uint8Array]> = {}
  for (const v of meta.variants) {
    const res = await call(new Request(v.url))
    expect(res.status).toBe(200)
    out[v.name] = [v.width, v.height, new Uint8Array(await res.arrayBuffer())]
  }
  return out
}

const same = (a: ArrayLike<number> | undefined, b: ArrayLike<number>) => a?.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => x === b[i])
/** What the stripper makes of a file (undefined: it cannot walk it). */
const strip = (bytes: Uint8Array) => (bytes[0] === 0xff ? stripJpeg(bytes) : stripPng(bytes))

/** Peak signal-to-noise ratio of two decoded images of one size, in dB. */
function psnr(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / sum)
}

const sound = new Map<string, Awaited<ReturnType<typeof variants>>>()
async function soundVariants(file: string) {
  if (!sound.has(file)) {
    const { meta } = await uploadAndProcess(fixture(file), file)
    expect(meta.status).toBe('completed')
    sound.set(file, await variants(meta))
  }
  return sound.get(file)!
}

describe('damaged files libpng/libjpeg decode with a warning complete', () => {
  const cases: [string, string][] = [
    ['png-trailing-bytes.png', 'pngsuite/basn2c08.png'],
    ['png-640x480-trailing-bytes.png', 'tolerant/png-640x480.png'],
    ['png-640x480-extra-idat.png', 'tolerant/png-640x480.png'],
    ['png-640x480-bad-exif-crc.png', 'tolerant/png-640x480.png'],
    ['png-idat-after-text.png', 'pngsuite/basn2c08.png'],
    ['png-too-much-data.png', 'pngsuite/basn2c08.png'],
    ['png-bad-iccp-crc.png', 'pngsuite/basn2c08.png'],
    ['png-plte-after-idat.png', 'pngsuite/basn2c08.png'],
    ['jpeg-junk-before-sof.jpg', 'tolerant/jpeg-320x240.jpg'],
    ['jpeg-junk-after-scan.jpg', 'tolerant/jpeg-320x240.jpg'],
    ['jpeg-no-eoi.jpg', 'tolerant/jpeg-320x240.jpg'],
    ['jpeg-sof-after-scan.jpg', 'tolerant/jpeg-320x240.jpg'],
    ['jpeg-progressive-no-eoi.jpg', 'tolerant/jpeg-320x240-progressive.jpg'],
    ['jpeg-progressive-junk-between-scans.jpg', 'tolerant/jpeg-320x240-progressive.jpg'],
  ]
  it.each(cases)('%s: completed, variants identical to those of %s', async (damaged, base) => {
    const file = fixture(`tolerant/${damaged}`)
    const { meta } = await uploadAndProcess(file, damaged)
    expect(meta.status).toBe('completed')
    const got = await variants(meta)
    const want = await soundVariants(base)
    const reused = strip(fixture(base))!
    expect(Object.keys(got).sort()).toEqual(['large', 'medium', 'thumb'])
    for (const name of Object.keys(want)) {
      const [w, h, bytes] = got[name]!
      expect([w, h]).toEqual(want[name]!.slice(0, 2))
      if (!same(want[name]![2], reused)) {
        expect(bytes).toEqual(want[name]![2])
        continue
      }
      // The sound file's variant is its own coded data: the damaged file's is that same clean data
      // (when stripping removes the damage, as bytes after IEND) or a re-encode of the same pixels.
      if (same(bytes, reused)) continue
      const stripped = strip(file)
      expect(stripped && same(stripped, bytes), `${name} ships the damaged coded data`).toBeFalsy()
      const [a, b] = [await referenceDecode(bytes), await referenceDecode(want[name]![2])]
      // PNG re-encodes losslessly; JPEG at the source's own quality.
      if (base.endsWith('.png')) expect(same(a.data, b.data), name).toBe(true)
      else expect(psnr(a.data, b.data), name).toBeGreaterThan(35)
    }
    // Read back by an independent decoder: a real image of the stated size.
    const [w, h, bytes] = got.thumb!
    const img = await referenceDecode(bytes)
    expect([img.width, img.height]).toEqual([w, h])
  })

  it('png-bad-trns-crc.png (tRNS dropped): completed, opaque variants of tbbn3p08', async () => {
    const { meta } = await uploadAndProcess(fixture('tolerant/png-bad-trns-crc.png'), 'trns.png')
    expect(meta.status).toBe('completed')
    const img = await referenceDecode((await variants(meta)).thumb![2])
    expect([img.width, img.height]).toEqual([32, 32])
    for (let i = 3; i < img.data.length; i += 4) expect(img.data[i]).toBe(255)
  })
})

describe('damage libpng/libjpeg refuse still fails cleanly', () => {
  const cases: [string, RegExp][] = [
    ['png-bad-plte-crc.png', /CRC mismatch in PLTE/],
    ['png-640x480-short-stream-then-junk.png', /Not enough image data/],
    ['jpeg-progressive-cut-after-scan-3.jpg', /Premature end of JPEG file/],
  ]
  it.each(cases)('%s ends failed: %s', async (file, reason) => {
    const { id, url, meta } = await uploadAndProcess(fixture(`tolerant/${file}`), file)
    expect(meta.status).toBe('failed')
    expect(meta.error).toMatch(reason)
    for (const v of meta.variants) expect(v).toMatchObject({ status: 'failed', url: null })
    const objects = (await env.IMAGES.list({ prefix: `${id}/` })).objects.map((o) => o.key)
    expect(objects).toEqual([url.split('/files/')[1]])
  })
})
