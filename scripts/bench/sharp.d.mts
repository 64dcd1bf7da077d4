import type { OutputInfo } from 'sharp'
export function sharpVariants(bytes: Uint8Array, boxes: readonly { width: number; height: number }[], options: { raw: true }): Promise<{ data: Buffer; info: OutputInfo }[]>
export function sharpVariants(bytes: Uint8Array, boxes: readonly { width: number; height: number }[], options?: { raw?: false }): Promise<Buffer[]>
