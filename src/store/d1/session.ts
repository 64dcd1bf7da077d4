/**
 * D1 through the Sessions API, counted. A session gives sequential consistency across its queries
 * and, with read replication on, lets reads go to a nearby replica: `first-unconstrained` (any
 * replica), `first-primary` (the primary first, for writes), or a bookmark the caller got from an
 * earlier answer (the replica must be at least that fresh: read-your-writes across requests).
 * Every round trip and the rows it read and wrote are counted (the write budget, docs/capacity.md).
 */

/** The header a bookmark travels in, both ways. */
export const BOOKMARK_HEADER = 'x-d1-bookmark'

export type SessionStart = 'first-primary' | 'first-unconstrained' | (string & {})

/** What one store (one request, one batch) cost D1. `rowsRead` misses selects run with raw(), which return no meta. */
export interface D1Usage {
  /** Calls that went to D1: a batch of many statements is one. */
  roundTrips: number
  /** Statements, batches counted by their size. */
  statements: number
  rowsRead: number
  rowsWritten: number
}

export const emptyUsage = (): D1Usage => ({ roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0 })

/** The subset of D1 that drizzle uses (prepare and batch), which a session has too. */
export interface CountedD1 {
  readonly database: D1Database
  readonly usage: D1Usage
  bookmark(): string | null
}

/** A bookmark as D1 hands them out (hex groups and dashes); anything else is refused before it reaches D1. */
export const isBookmark = (value: string) => /^[0-9a-f]{1,64}(-[0-9a-f]{1,64}){0,8}$/i.test(value)

export function openSession(d1: D1Database, start: SessionStart): CountedD1 {
  // Opened at the first query: a request that never touches D1 (a file, /openapi.json) opens none.
  let opened: D1DatabaseSession | undefined
  const session = () => (opened ??= d1.withSession(start))
  const usage = emptyUsage()
  const note = (results: D1Result[]) => {
    for (const r of results) {
      usage.rowsRead += r.meta?.rows_read ?? 0
      usage.rowsWritten += r.meta?.rows_written ?? 0
    }
  }
  // batch() must get the session's own statements back, not our wrappers.
  const original = new WeakMap<object, D1PreparedStatement>()
  const counted = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const once = <T>(run: () => Promise<T>) => {
      usage.roundTrips++
      usage.statements++
      return run()
    }
    const wrapper = {
      bind: (...values: unknown[]) => counted(stmt.bind(...values)),
      run: () => once(() => stmt.run()).then((r) => (note([r]), r)),
      all: () => once(() => stmt.all()).then((r) => (note([r]), r)),
      first: (column?: string) => once(() => (column === undefined ? stmt.first() : stmt.first(column))),
      raw: (options?: { columnNames?: boolean }) => once(() => stmt.raw(options as { columnNames: true })),
    } as unknown as D1PreparedStatement
    original.set(wrapper, stmt)
    return wrapper
  }
  const database = {
    prepare: (query: string) => counted(session().prepare(query)),
    async batch(statements: D1PreparedStatement[]) {
      usage.roundTrips++
      usage.statements += statements.length
      const results = await session().batch(statements.map((s) => original.get(s) ?? s))
      note(results)
      return results
    },
  } as unknown as D1Database
  return { database, usage, bookmark: () => opened?.getBookmark() ?? null }
}
