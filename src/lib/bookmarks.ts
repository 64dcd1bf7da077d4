/**
 * For clients of this API (the typed client, scripts): a `fetch` that carries the D1 bookmark. It
 * remembers the newest `X-D1-Bookmark` any answer gave and sends it with every request, so a read
 * always sees what this client wrote, even when a read replica answers it. Bookmarks are ordered
 * strings, so the newest is the greatest.
 *
 *   const api = hc<AppType>(base, { fetch: bookmarkingFetch() })
 */
export const BOOKMARK = 'x-d1-bookmark'

export function bookmarkingFetch(inner: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = fetch): ((input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) & { bookmark: () => string | null } {
  let latest: string | null = null
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    if (latest && !request.headers.has(BOOKMARK)) request.headers.set(BOOKMARK, latest)
    const res = await inner(request)
    const got = res.headers.get(BOOKMARK)
    if (got && (latest === null || got > latest)) latest = got
    return res
  }
  return Object.assign(wrapped, { bookmark: () => latest })
}
