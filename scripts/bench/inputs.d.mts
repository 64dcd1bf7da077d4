export const inputDir: string
export function scene(width: number, height: number, options?: { grain?: number; channels?: 3 | 4; seed?: number; posterize?: number; texture?: number; hardAlpha?: boolean }): { data: Buffer; width: number; height: number; channels: number }
export function photo12mp(): Promise<string>
export function photo12mpTagged(space: 'adobe-rgb' | 'p3' | 'cmyk'): Promise<string>
export function photo12mpTagged(space: "adobe-rgb" | "p3" | "cmyk"): Promise<string>
export function sizeFor(pixels: number): { width: number; height: number }
export function capJpeg(pixels: number, maxBytes: number): Promise<string>
export function progressiveJpeg(pixels: number, maxBytes: number): Promise<string>
export function capPng(pixels: number, maxBytes: number): Promise<string>
export function readInput(path: string): Uint8Array
