import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { crc32 } from '../lib/crc32'
import { displayedSize } from './header'
import { PngChunkCounter } from './png'
import { sniffImage } from './sniff'

describe('sniffImage', () => {
  it('reads a JPEG frame size and orientation from the header', () => {
    const r = sniffImage(fixture('exif-orientation/Portrait_6.jpg'))
    expect(r.ok && r.header).toMatchObject({ format: 'jpeg', orientation: 6 })
    if (!r.ok) throw new Error('unreadable')
    // Stored sideways, displayed upright.
    expect(displayedSize(r.header)).toEqual({ width: 1200, height: 1800 })
  })

  it('reads every orientation 1..8 and treats a missing tag as 1', () => {
    for (let o = 0; o <= 8; o++) {
      const r = sniffImage(fixture(`exif-orientation/Landscape_${o}.jpg`))
      expect(r.ok && r.header.orientation).toBe(o === 0 ? 1 : o)
      if (r.ok) expect(displayedSize(r.header)).toEqual({ width: 1800, height: 1200 })
    }
  })

  it('reads a PNG IHDR', () => {
    expect(sniffImage(fixture('pngsuite/basn6a08.png'))).toEqual({
      ok: true,
      complete: true,
      header: {
        format: 'png',
        width: 32,
        height: 32,
        orientation: 1,
        progressive: false,
        layout: { kind: 'png', bitDepth: 8, colorType: 6, interlaced: false, alpha: true, idatChunks: 1, idatBytes: 111 },
      },
    })
  })

  it('reads a PNG eXIf orientation', () => {
    const r = sniffImage(fixture('pngsuite/exif2c08.png'))
    expect(r.ok).toBe(true)
  })

  it('rejects other formats by their bytes, whatever their name', () => {
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00')
    expect(sniffImage(gif)).toMatchObject({ ok: false, reason: 'unsupported' })
    expect(sniffImage(new TextEncoder().encode('<svg onload=alert(1)>'))).toMatchObject({ ok: false, reason: 'unsupported' })
    expect(sniffImage(new Uint8Array())).toMatchObject({ ok: false, reason: 'unsupported' })
  })

  it('calls JPEG magic followed by garbage unreadable', () => {
    const html = new Uint8Array([0xff, 0xd8, 0xff, ...new TextEncoder().encode('<html><script>x</script></html>')])
    expect(sniffImage(html)).toMatchObject({ ok: false, reason: 'unreadable' })
  })

  it('calls a PNG with a corrupt signature unsupported and one without IHDR unreadable', () => {
    expect(sniffImage(fixture('pngsuite/xs1n0g01.png')).ok).toBe(false)
    expect(sniffImage(fixture('pngsuite/xhdn0g08.png')).ok).toBe(true) // header fine, CRC wrong: the decoder must catch it
    const noIhdr = fixture('pngsuite/basn0g08.png').slice(0, 20)
    expect(sniffImage(noIhdr)).toMatchObject({ ok: false, reason: 'unreadable' })
  })

  it('skips junk between JPEG segments, as libjpeg does ("extraneous bytes before marker")', () => {
    expect(sniffImage(fixture('tolerant/jpeg-junk-before-sof.jpg'))).toEqual({
      ok: true,
      complete: true,
      header: {
        format: 'jpeg',
        width: 320,
        height: 240,
        orientation: 1,
        progressive: false,
        // 4:2:0, one interleaved scan of all three components.
        layout: { kind: 'jpeg', components: [{ h: 2, v: 2 }, { h: 1, v: 1 }, { h: 1, v: 1 }], allCoefficients: false },
      },
    })
    // Junk, fill bytes and stuffed FF 00 before a SOF: still found.
    const sof = [0xff, 0xc0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0]
    const padded = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0x4a, 0x46, 0x12, 0x34, 0xff, 0x00, 0xff, 0xff, ...sof])
    expect(sniffImage(padded)).toMatchObject({ ok: true, header: { width: 64, height: 48 } })
    // Junk and no frame header at all: unreadable.
    expect(sniffImage(padded.slice(0, 14))).toMatchObject({ ok: false, reason: 'unreadable' })
  })

  it('ignores a PNG eXIf chunk whose CRC does not match, as the decoder drops it', () => {
    expect(sniffImage(fixture('tolerant/png-640x480-bad-exif-crc.png'))).toMatchObject({ ok: true, header: { orientation: 1, width: 640 } })
    // The same chunk with its CRC repaired says orientation 6.
    const repaired = fixture('tolerant/png-640x480-bad-exif-crc.png')
    const at = 8 + 25 // eXIf follows IHDR
    const view = new DataView(repaired.buffer)
    view.setUint32(at + 8 + view.getUint32(at), crc32(0, repaired, at + 4, at + 8 + view.getUint32(at)))
    expect(sniffImage(repaired)).toMatchObject({ ok: true, header: { orientation: 6 } })
  })

  it('reports the size a JPEG SOF claims without decoding', () => {
    const sof = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xea, 0x60, 0xea, 0x60, 1, 1, 0x11, 0])
    expect(sniffImage(sof)).toMatchObject({ ok: true, header: { width: 60000, height: 60000 } })
  })
})

describe('JPEG scan structure', () => {
  it('a baseline file with one scan per component (cjpeg -scans) keeps all coefficients', () => {
    const r = sniffImage(fixture('hostile/jpeg-320x240-non-interleaved.jpg'))
    expect(r.ok && r.header).toMatchObject({ progressive: false, layout: { kind: 'jpeg', allCoefficients: true } })
  })
  it('an ordinary interleaved baseline photo does not', () => {
    const r = sniffImage(fixture('exif-orientation/Landscape_1.jpg'))
    expect(r.ok && r.header).toMatchObject({ progressive: false, layout: { kind: 'jpeg', allCoefficients: false } })
  })
})

describe('PngChunkCounter', () => {
  it('counts what the whole-file walk counts, however the bytes are split', () => {
    const png = fixture('generated/alpha-640x480.png')
    const sniffed = sniffImage(png)
    if (!sniffed.ok || sniffed.header.layout.kind !== 'png') throw new Error('fixture not a PNG')
    for (const size of [1, 7, 8, 13, 4096, png.length]) {
      const counter = new PngChunkCounter()
      for (let i = 0; i < png.length; i += size) counter.push(png.subarray(i, i + size))
      expect([counter.idatChunks, counter.idatBytes]).toEqual([sniffed.header.layout.idatChunks, sniffed.header.layout.idatBytes])
    }
    expect(sniffed.header.layout.idatChunks).toBeGreaterThan(0)
  })
})
