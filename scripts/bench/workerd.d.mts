export function workersPids(pgid: number, proxyPort: number): number[]
export function rssOf(pid: number): number
export function rssParts(pid: number): { anon: number; file: number; shmem: number }
export function workersRss(pgid: number, proxyPort: number): number
export function listeningPorts(pid: number): number[]
export interface InspectorTarget {
  id: string
  title?: string
  webSocketDebuggerUrl: string
}
export function workerdInspector(pid: number): Promise<{ port: number; targets: InspectorTarget[] } | null>
export interface CdpSession {
  send(method: string, params?: Record<string, unknown>): Promise<any>
  close(): void
}
export function cdpSession(url: string, options?: { timeoutMs?: number; origin?: string; onEvent?: (msg: { method: string; params?: any }) => void }): Promise<CdpSession>
export function wasmMemoryBytes(session: CdpSession, contextId: number): Promise<number[]>
