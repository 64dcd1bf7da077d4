import { describe, expect, it } from 'vitest'
import { MultipartError, MultipartReader, multipartBoundary } from './multipart'

const enc = new TextEncoder()
const B = 'xYz-123'

/** A body as `pieces`, each cut into chunks of `size` bytes (1 splits every delimiter). */
function stream(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(at, at + size))
      at += size
    },
  })
}

function body(parts: { name: string; filename?: string; data: Uint8Array | string }[], opts: { preamble?: string; epilogue?: string } = {}) {
  const out: Uint8Array[] = [enc.encode(opts.preamble ?? '')]
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`
    out.push(enc.encode(`--${B}\r\nContent-Disposition: ${disposition}\r\n\r\n`))
    out.push(typeof p.data === 'string' ? enc.encode(p.data) : p.data)
    out.push(enc.encode('\r\n'))
  }
  out.push(enc.encode(`--${B}--\r\n${opts.epilogue ?? ''}`))
  return new Uint8Array(out.flatMap((c) => [...c]))
}

async function readAll(reader: MultipartReader) {
  const parts: { name: string; filename: string | null; data: Uint8Array }[] = []
  for (let h = await reader.nextPart(); h; h = await reader.nextPart()) {
    const chunks: number[] = []
    for (let c = await reader.readChunk(); c; c = await reader.readChunk()) chunks.push(...c)
    parts.push({ name: h.name, filename: h.filename, data: new Uint8Array(chunks) })
  }
  return parts
}

/** Bytes that look like delimiters without being one: CR LF - - and prefixes of the boundary. */
const tricky = enc.encode(`a\r\nb\r\n-\r\n--\r\n--xYz\r\n--xYz-12\r\r\n--xYz-12 \n--${B.slice(0, -1)}z end`)

describe('MultipartReader', () => {
  it('reads fields and a file whatever the chunk size, with delimiters split across chunks', async () => {
    const file = new Uint8Array(5000).map((_, i) => (i * 31) % 256)
    file.set(tricky, 100)
    const bytes = body([{ name: 'fileName', data: 'héllo.png' }, { name: 'file', filename: 'a.png', data: file }, { name: 'after', data: '' }], { preamble: 'ignored\r\n', epilogue: 'also ignored' })
    for (const size of [1, 2, 3, 7, 64, 4096, bytes.length]) {
      const parts = await readAll(new MultipartReader(stream(bytes, size), B))
      expect(parts.map((p) => [p.name, p.filename])).toEqual([['fileName', null], ['file', 'a.png'], ['after', null]])
      expect(new TextDecoder().decode(parts[0]!.data)).toBe('héllo.png')
      expect(parts[1]!.data).toEqual(file)
      expect(parts[2]!.data).toEqual(new Uint8Array())
    }
  })

  it('reports the offset of the file data, so its length follows from Content-Length', async () => {
    const file = enc.encode('0123456789')
    const bytes = body([{ name: 'file', filename: 'f', data: file }])
    const reader = new MultipartReader(stream(bytes, 3), B)
    await reader.nextPart()
    // Content-Length minus the offset minus the close delimiter (and its CRLF) is the file's length.
    expect(bytes.length - reader.offset - reader.closeLength - 2).toBe(file.length)
  })

  it('skips an unread part', async () => {
    const reader = new MultipartReader(stream(body([{ name: 'a', data: 'x'.repeat(1000) }, { name: 'b', data: 'y' }]), 10), B)
    expect((await reader.nextPart())?.name).toBe('a')
    expect((await reader.nextPart())?.name).toBe('b')
    expect(await reader.readChunk()).toEqual(enc.encode('y'))
  })

  const hostile: [string, string | Uint8Array, RegExp][] = [
    ['no delimiter at all', 'just some text', /ends inside a part/],
    ['a truncated part', `--${B}\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc`, /ends inside a part/],
    ['no close delimiter', `--${B}\r\nContent-Disposition: form-data; name="a"\r\n\r\nabc\r\n--${B}`, /ends inside part headers/],
    ['headers that never end', `--${B}\r\nX: ${'y'.repeat(20_000)}`, /headers are too long/],
    ['a part without Content-Disposition', `--${B}\r\nContent-Type: text/plain\r\n\r\nabc\r\n--${B}--`, /no form-data Content-Disposition/],
    ['a part without a name', `--${B}\r\nContent-Disposition: form-data; filename="a"\r\n\r\nabc\r\n--${B}--`, /no name/],
    ['a malformed header line', `--${B}\r\nContent-Disposition form-data\r\n\r\nabc\r\n--${B}--`, /malformed/],
    ['garbage after a delimiter', `--${B}garbage\r\nContent-Disposition: form-data; name="a"\r\n\r\n\r\n--${B}--`, /garbage/],
    ['too many parts', Array.from({ length: 20 }, (_, i) => `--${B}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n\r\n`).join('') + `--${B}--`, /more than 16 parts/],
  ]
  it.each(hostile)('refuses %s', async (_name, input, message) => {
    const bytes = typeof input === 'string' ? enc.encode(input) : input
    for (const size of [1, 5, bytes.length]) {
      const error = await readAll(new MultipartReader(stream(bytes, size), B)).then(() => null, (e) => e)
      expect(error).toBeInstanceOf(MultipartError)
      expect(error.message).toMatch(message)
    }
  })

  it('stops at the body limit, cancelling the body', async () => {
    let cancelled = false
    const big = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(1024)),
      cancel: () => void (cancelled = true),
    })
    const reader = new MultipartReader(big, B, { maxBodyBytes: 10_000, tooLarge: () => new RangeError('too large') })
    await expect(reader.nextPart()).rejects.toThrow(RangeError)
    expect(cancelled).toBe(true)
  })

  it('holds at most a chunk and a delimiter between reads, however long the part', async () => {
    const file = new Uint8Array(1 << 20)
    const reader = new MultipartReader(stream(body([{ name: 'file', filename: 'f', data: file }]), 4096), B)
    await reader.nextPart()
    let largest = 0
    let total = 0
    for (let c = await reader.readChunk(); c; c = await reader.readChunk()) {
      largest = Math.max(largest, c.byteLength)
      total += c.byteLength
    }
    expect(total).toBe(file.length)
    expect(largest).toBeLessThanOrEqual(4096 + B.length + 4)
  })
})

describe('multipartBoundary', () => {
  it('reads a bare or quoted boundary and refuses anything else', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc')
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe('a b:c')
    expect(multipartBoundary('multipart/form-data')).toBeNull()
    expect(multipartBoundary('multipart/form-data; boundary=')).toBeNull()
    expect(multipartBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeNull()
    expect(multipartBoundary('text/plain; boundary=abc')).toBeNull()
  })
})
