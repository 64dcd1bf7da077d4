import type { WranglerFile } from './plan.mjs'
export class SetupError extends Error {}
export const LOGIN_HINT: string
export interface ExecResult { status: number; stdout: string; stderr: string }
export interface ProvisionOptions {
  /** The wrangler files, the API Worker's first; `file` is where `read`/`write` find it. */
  files: (WranglerFile & { file: string })[]
  exec(args: string[], options?: { input?: string }): ExecResult
  read?(file: string): string
  write?(file: string, text: string): void
  log?(line: string): void
  env?: Record<string, string | undefined>
  randomKey?(): string
}
export function provision(options: ProvisionOptions): { created: string[]; existing: string[]; wrote: string[]; secret: 'kept' | 'set' }
