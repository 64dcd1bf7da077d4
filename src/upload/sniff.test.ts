import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { displayedSize, sniffImage } from './sniff'

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
      header: { format: 'png', width: 32, height: 32, orientation: 1, progressive: false },
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

  it('reports the size a JPEG SOF claims without decoding', () => {
    const sof = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xea, 0x60, 0xea, 0x60, 1, 1, 0x11, 0])
    expect(sniffImage(sof)).toMatchObject({ ok: true, header: { width: 60000, height: 60000 } })
  })
})
