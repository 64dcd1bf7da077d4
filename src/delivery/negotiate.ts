/**
 * Content negotiation for a variant's `bestUrl`: which format to send for an `Accept` header.
 * Browsers that can show AVIF or WebP say so explicitly in `Accept` for images (Chrome, Firefox,
 * Safari all do); `*` or `image/*` alone does not count, since the fallback is what every browser
 * shows. The choice depends only on which of those the header names, so answers can be cached per
 * class (at most one entry per class and variant).
 */
import { PRESET_NAMES } from '../formats/presets'
import { FORMAT_NAMES, FORMATS, type FormatName } from '../formats/registry'

/** The formats a browser must name to get them (the rest are fallbacks every browser shows). */
export const MODERN_FORMATS = FORMAT_NAMES.filter((f) => !FORMATS[f].upload)

/** The formats the header names explicitly with q > 0, e.g. `image/avif,image/webp,*\/*;q=0.8`. */
export function acceptedFormats(accept: string | null): Set<FormatName> {
  const named = new Set<FormatName>()
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
    if (q !== undefined && Number(q) === 0) continue
    for (const [name, format] of Object.entries(FORMATS)) if (format.mimeType === type) named.add(name as FormatName)
  }
  return named
}

const byPreference = (a: FormatName, b: FormatName) => FORMATS[a].preference - FORMATS[b].preference

/** The cache class of a request: the most preferred of `candidates` it names, or 'fallback'. */
export function acceptClass(accept: string | null, candidates: readonly FormatName[]): FormatName | 'fallback' {
  const named = acceptedFormats(accept)
  return candidates.filter((f) => named.has(f)).sort(byPreference)[0] ?? 'fallback'
}

/**
 * The file to send: the most preferred of the variant's files that the header names and that is
 * preferred over the fallback (the variant's file in the original's format), else the fallback.
 */
export function chooseFile<F extends { format: FormatName }>(files: readonly F[], fallback: F, accept: string | null): F {
  const named = acceptedFormats(accept)
  const better = files.filter((f) => named.has(f.format) && byPreference(f.format, fallback.format) < 0)
  return better.sort((a, b) => byPreference(a.format, b.format))[0] ?? fallback
}

/** Where the edge cache remembers which file answers a variant's negotiated URL for one accept class. */
export const decisionUrl = (origin: string, imageId: string, name: string, accept: FormatName | 'fallback') => `${origin}/images/${imageId}/variants/${name}?best=${accept}`

/** Every such entry of an image (to purge on delete). */
export const decisionUrls = (origin: string, imageId: string) =>
  PRESET_NAMES.flatMap((name) => [...MODERN_FORMATS, 'fallback' as const].map((c) => decisionUrl(origin, imageId, name, c)))
