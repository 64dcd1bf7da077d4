/** What the sniffers read from an image's first bytes: size, orientation and what the decode plan needs. */
import type { FormatName } from './registry'

export interface ImageHeader {
  format: FormatName
  /** Size as stored in the file (before EXIF orientation). */
  width: number
  height: number
  /** EXIF orientation 1..8 (1 when absent or unreadable). */
  orientation: number
  /** Progressive JPEGs need all coefficients in memory while decoding. */
  progressive: boolean
  /** What the memory and CPU plan (plan.ts) needs beyond the size. */
  layout: PngLayout | JpegLayout
}

export interface PngLayout {
  kind: 'png'
  bitDepth: number
  colorType: number
  interlaced: boolean
  /** An alpha channel, or a tRNS chunk before the image data (the decoder then averages with alpha weights). */
  alpha: boolean
  /** IDAT chunks and their payload bytes in the bytes given (the whole upload). */
  idatChunks: number
  idatBytes: number
}

export interface JpegLayout {
  kind: 'jpeg'
  /** Sampling factors per component, from the frame header. */
  components: { h: number; v: number }[]
  /**
   * libjpeg keeps every coefficient of the image when the file is progressive or its first scan
   * holds fewer components than the frame (a non-interleaved baseline file, one scan per
   * component). Without a scan header in the bytes given it is false: libjpeg allocates the
   * coefficients only once it reads one, and the processor plans again from the whole file.
   */
  allCoefficients: boolean
}

export type SniffResult =
  /** `complete`: the bytes given reach the image data (PNG: first IDAT; JPEG: first scan header), so nothing the plan reads is missing. */
  | { ok: true; header: ImageHeader; complete: boolean }
  | { ok: false; reason: 'unsupported' | 'unreadable'; detail: string }


export const unreadable = (detail: string): SniffResult => ({ ok: false, reason: 'unreadable', detail })

/** Orientations 5..8 swap width and height when displayed. */
export const displayedSize = (h: Pick<ImageHeader, 'width' | 'height' | 'orientation'>) =>
  h.orientation >= 5 ? { width: h.height, height: h.width } : { width: h.width, height: h.height }
