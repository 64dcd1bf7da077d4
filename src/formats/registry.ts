/**
 * The catalogue of image formats: everything else derives from it (the upload sniffer, delivery
 * keys and content types, the metadata's enum, the OpenAPI content types). A new format is one
 * entry here, plus its encoder in the processor, which `processor/render.ts` requires for every
 * name by type.
 */
import type { SniffResult } from './header'
import { readJpeg } from './jpeg'
import { PNG_SIGNATURE, readPng } from './png'

export interface Format {
  name: string
  /** File extension of stored files and delivery URLs. */
  extension: string
  mimeType: `image/${string}`
  /** Delivery preference when a browser accepts several (lower first): modern formats before the fallbacks. */
  preference: number
  /** Uploads in this format are accepted: it has magic bytes and a header reader. */
  upload: { magic: readonly number[]; sniff: (bytes: Uint8Array) => SniffResult } | null
}

export const FORMATS = {
  jpeg: { name: 'jpeg', extension: 'jpg', mimeType: 'image/jpeg', preference: 10, upload: { magic: [0xff, 0xd8, 0xff], sniff: readJpeg } },
  png: { name: 'png', extension: 'png', mimeType: 'image/png', preference: 10, upload: { magic: PNG_SIGNATURE, sniff: readPng } },
  // Made by the processor only: uploads stay JPEG and PNG.
  webp: { name: 'webp', extension: 'webp', mimeType: 'image/webp', preference: 5, upload: null },
  avif: { name: 'avif', extension: 'avif', mimeType: 'image/avif', preference: 1, upload: null },
} as const satisfies Record<string, Format>

export type FormatName = keyof typeof FORMATS
export type FileExtension = (typeof FORMATS)[FormatName]['extension']
export type MimeType = (typeof FORMATS)[FormatName]['mimeType']

export const FORMAT_LIST: readonly Format[] = Object.values(FORMATS)
export const FORMAT_NAMES = Object.keys(FORMATS) as [FormatName, ...FormatName[]]
export const MIME_TYPES = FORMAT_LIST.map((f) => f.mimeType) as [MimeType, ...MimeType[]]
/** What an upload may be: the formats with a header reader. */
export const UPLOAD_MIME_TYPES = FORMAT_LIST.filter((f) => f.upload).map((f) => f.mimeType) as [MimeType, ...MimeType[]]
export const EXTENSIONS = FORMAT_LIST.map((f) => f.extension) as [FileExtension, ...FileExtension[]]

export const formatByExtension = (ext: string): FormatName | null => FORMAT_NAMES.find((n) => FORMATS[n].extension === ext) ?? null
export const formatByMimeType = (type: string): FormatName | null => FORMAT_NAMES.find((n) => FORMATS[n].mimeType === type) ?? null
