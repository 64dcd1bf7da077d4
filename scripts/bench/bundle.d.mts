/** Types of the bundled processor (render.ts); kept structural so the Node project need not compile src/. */
export interface Box {
  name: string
  width: number
  height: number
  formats?: readonly string[]
}
export type FormatName = 'jpeg' | 'png' | 'webp' | 'avif'
export interface Processor {
  renderVariants(original: Uint8Array, boxes: readonly Box[], options: { maxPixels: number; onStep?: (step: string, ms: number) => void; onColourFallback?: (reason: string) => void }): AsyncGenerator<{ name: string; width: number; height: number; format: FormatName; bytes: Uint8Array; files: { format: FormatName; bytes: Uint8Array }[] }>
  PRESETS: readonly Box[]
  sniffImage(bytes: Uint8Array): { ok: true; header: unknown } | { ok: false; detail: string }
  estimateQuality(table: ArrayLike<number>): number
  luminanceTable(bytes: Uint8Array): number[] | null
  planDecode(header: unknown): { ok: boolean; reason: string; peakBytes: number; cpuMs: number; encodeCpuMs: number; parts: Record<string, number> }
}
export function loadProcessor(): Promise<Processor>
export function loadModules(contents: string): Promise<Record<string, any>>
