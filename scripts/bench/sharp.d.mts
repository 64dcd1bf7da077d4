import type { OutputInfo } from 'sharp'
type Box = { width: number; height: number; formats?: readonly string[] }
export const SHARP_SETTINGS: Record<string, (pipeline: import('sharp').Sharp) => import('sharp').Sharp>
export function sharpVariants(bytes: Uint8Array, boxes: readonly Box[], options: { raw: true }): Promise<{ data: Buffer; info: OutputInfo }[]>
export function sharpVariants(bytes: Uint8Array, boxes: readonly Box[], options?: { raw?: false }): Promise<{ files: { format: string; bytes: Buffer }[] }[]>
