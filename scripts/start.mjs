// `npm start`: both Workers in one `wrangler dev` (API + processor), local D1
// migrated first, and the repair cron run on its schedule, which wrangler dev
// does not do by itself ("Scheduled Workers are not automatically triggered").
// Port: PORT=8788 npm start, or npm start -- --port 8788. Other arguments go to wrangler dev.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const take = (flag) => {
  const i = args.indexOf(flag)
  if (i < 0) return undefined
  const [, value] = args.splice(i, 2)
  return value
}
const port = Number(take('--port') ?? process.env.PORT ?? 8787)
const ip = take('--ip') ?? '127.0.0.1'
const persistTo = take('--persist-to')
const state = persistTo ? ['--persist-to', persistTo] : []
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`Not a port: ${port}`)
  process.exit(2)
}

// Secrets live in .dev.vars locally (gitignored); a fresh clone gets a random signing key once,
// so signed URLs of private images keep working across restarts.
if (!existsSync('.dev.vars') || !/^URL_SIGNING_KEY=/m.test(readFileSync('.dev.vars', 'utf8'))) {
  appendFileSync('.dev.vars', `URL_SIGNING_KEY=${randomBytes(32).toString('base64url')}\n`)
  console.log('Wrote a local URL_SIGNING_KEY to .dev.vars (a secret in production: wrangler secret put URL_SIGNING_KEY).')
}

execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', ...state], { stdio: ['ignore', 'ignore', 'inherit'] })

const base = `http://${ip}:${port}`
const dev = spawn(
  'npx',
  // Webhook endpoints on this machine (http://127.0.0.1:…) are allowed locally; production refuses them.
  ['wrangler', 'dev', '-c', 'wrangler.toml', '-c', 'wrangler.processor.toml', '--ip', ip, '--port', String(port), '--test-scheduled', '--var', 'WEBHOOK_ALLOW_PRIVATE_URLS:true', ...state, ...args],
  { stdio: 'inherit' },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal))
dev.on('exit', (code) => process.exit(code ?? 0))
console.log(`Upload page: ${base}/  (API ${base}/images, OpenAPI ${base}/openapi.json)`)

// The cron of wrangler.toml, run locally every N minutes (the `*/N * * * *` form it uses).
const cron = /crons\s*=\s*\[\s*"([^"]+)"/.exec(readFileSync('wrangler.toml', 'utf8'))?.[1]
const everyMinutes = Number(/^\*\/(\d+) \* \* \* \*$/.exec(cron ?? '')?.[1])
if (cron && everyMinutes > 0) {
  const trigger = `${base}/__scheduled?cron=${encodeURIComponent(cron)}`
  console.log(`Repair cron (${cron}) runs every ${everyMinutes} min; run it now with: curl '${trigger}'`)
  setInterval(() => fetch(trigger).catch((err) => console.error(`repair cron: ${err.message}`)), everyMinutes * 60_000).unref()
}
