/** The variants made of every image. Order: largest first, so each can be made from the previous one. */
export const PRESETS = [
  { name: 'large', width: 1920, height: 1080 },
  { name: 'medium', width: 800, height: 600 },
  { name: 'thumb', width: 200, height: 150 },
] as const

export type PresetName = (typeof PRESETS)[number]['name']
export const PRESET_NAMES = PRESETS.map((p) => p.name) as [PresetName, ...PresetName[]]

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

export const presetByName = (name: string) => PRESETS.find((p) => p.name === name)
