/**
 * The variants made of every image: one line each. Order: largest first, so each can be made from
 * the previous one. `formats` lists the files each variant gets; 'source' means the original's
 * format. Delivery keys, metadata, queue messages and the processor all derive from this list.
 */
import type { FormatName } from './registry'

export interface Preset {
  name: string
  /** The box the variant fits in (never upscaled). */
  width: number
  height: number
  formats: readonly (FormatName | 'source')[]
}

export const PRESETS = [
  { name: 'large', width: 1920, height: 1080, formats: ['source', 'webp', 'avif'] },
  { name: 'medium', width: 800, height: 600, formats: ['source', 'webp', 'avif'] },
  { name: 'thumb', width: 200, height: 150, formats: ['source', 'webp', 'avif'] },
] as const satisfies readonly Preset[]

export type PresetName = (typeof PRESETS)[number]['name']
export const PRESET_NAMES = PRESETS.map((p) => p.name) as [PresetName, ...PresetName[]]
/** What an original is called beside its variants (in file keys). */
export const ORIGINAL = 'original'

export interface Size {
  width: number
  height: number
}

/** The largest size inside `box` with the aspect ratio of `source`, never larger than `source`. */
export function fitWithin(source: Size, box: Size): Size {
  const scale = Math.min(1, box.width / source.width, box.height / source.height)
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  }
}

export const presetByName = (name: string): Preset | undefined => PRESETS.find((p) => p.name === name)

/** The format of a preset's file made from an original in `source` format. */
export const outputFormat = (preset: Preset, source: FormatName): FormatName => {
  const f = preset.formats[0] ?? 'source'
  return f === 'source' ? source : f
}
