// The delivery baseline: a plain Node static file server in its own process,
// doing what a static server does per request (stat, open, stream from the page
// cache, with type, length, ETag and cache headers). Prints its port.
// Usage: node static-server.mjs <file>
import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'

const file = process.argv[2]
const server = createServer((req, res) => {
  let st
  try {
    st = statSync(file)
  } catch {
    res.writeHead(404).end()
    return
  }
  const etag = `"${st.size.toString(16)}-${st.mtimeMs.toString(16)}"`
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end()
    return
  }
  res.writeHead(200, {
    'content-type': 'image/jpeg',
    'content-length': st.size,
    etag,
    'cache-control': 'public, max-age=31536000, immutable',
  })
  if (req.method === 'HEAD') return res.end()
  createReadStream(file).pipe(res)
})
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
// Dies with the benchmark even if it is killed hard.
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
