export interface ProcessorLimits {
  maxPixels: number
  maxProgressive: number
  maxBytes: number
}
export function processorLimits(root: string): ProcessorLimits
export function defaultInputs(limits: ProcessorLimits): Promise<string[]>
