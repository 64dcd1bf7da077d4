/** How `Allow` lists methods: safe ones first, like the OpenAPI document. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** A Hono route path (`/images/:id`, `/files/*`) as a regular expression over request paths. */
function pathPattern(path: string): RegExp {
  const source = path
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${source}$`)
}

/**
 * The methods the routes serve at `pathname`, for `Allow` (pure): HEAD
 * wherever GET is, since Hono answers HEAD with the GET handler. Empty when
 * no route has this path, which makes it a 404 rather than a 405.
 */
export function allowedMethods(routes: readonly { method: string; path: string }[], pathname: string): string[] {
  const methods = new Set<string>()
  for (const route of routes) {
    // `ALL` entries are middleware (`app.use`), not endpoints.
    if (route.method === 'ALL' || !pathPattern(route.path).test(pathname)) continue
    methods.add(route.method)
    if (route.method === 'GET') methods.add('HEAD')
  }
  return [...methods].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
}
