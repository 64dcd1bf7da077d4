export const PLACEHOLDER_DATABASE_ID: string
export const SIGNING_KEY_SECRET: string
export interface TomlValue { value: string | number | boolean; start: number; end: number }
export interface TomlTable { name: string; array: boolean; entries: Map<string, TomlValue> }
export function readTables(text: string): TomlTable[]
export interface FileResources {
  worker: string | undefined
  databases: { binding: string | undefined; name: string | undefined; id: string | undefined }[]
  buckets: string[]
  queues: string[]
}
export function resourcesOf(text: string): FileResources
export interface WranglerFile { path: string; text: string }
export interface Resources {
  worker: string
  database: { name: string; binding: string; ids: { path: string; id: string | undefined }[] }
  buckets: string[]
  queues: string[]
}
export function readResources(files: WranglerFile[]): Resources
export function setDatabaseId(text: string, databaseName: string, id: string): { text: string; previous: string | undefined }
export function parseJsonOutput(stdout: string): any
export function parseBucketList(stdout: string): string[]
export function parseQueueTable(stdout: string): string[]
export function databaseIdIn(list: { name: string; uuid?: string; id?: string }[], name: string): string | undefined
export function secretNames(stdout: string): string[]
export function isWorkerNotFound(stderr: string): boolean
export function show(args: string[]): string
export interface Commands {
  whoami: string[]
  bucketList: string[]
  bucketCreate(name: string): string[]
  databaseList: string[]
  databaseCreate: string[]
  queueList(page: number): string[]
  queueCreate(name: string): string[]
  migrate: string[]
  secretList: string[]
  secretPut: string[]
}
export function commands(options: { apiConfig: string; resources: Resources }): Commands
export interface Step { title: string; lines: string[] }
export function plan(files: WranglerFile[]): Step[]
export function formatPlan(steps: Step[]): string
