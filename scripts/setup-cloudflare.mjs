// `npm run setup:cloudflare`: provisions everything the two Workers need on a Cloudflare account,
// by calling the wrangler CLI (docs/deploying.md). Idempotent: each resource is listed first and
// only what is missing is created, so running it again changes nothing.
//
//   npm run setup:cloudflare                 # do it (needs `npx wrangler login` or CLOUDFLARE_API_TOKEN)
//   npm run setup:cloudflare -- --dry-run    # print every step and command; calls nothing, changes nothing
//   ... -- --config-dir <dir>                # the folder holding wrangler.toml and wrangler.processor.toml
//
// Steps: the R2 bucket, the D1 database (and its id written into both wrangler files, only that
// line changing), the queues, the remote migrations, and the URL_SIGNING_KEY secret if the API
// Worker has none (32 random bytes, base64url, piped to wrangler and never printed). Names come
// from the two wrangler files. The pure parts are in setup-cloudflare/plan.mjs.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatPlan, plan } from './setup-cloudflare/plan.mjs'
import { provision, SetupError } from './setup-cloudflare/provision.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CONFIG_FILES = ['wrangler.toml', 'wrangler.processor.toml']
const NEXT = ['npm run deploy                          # both Workers', 'npm run user:create -- <name> --remote  # a user and its API token']

const USAGE = `Usage: npm run setup:cloudflare [-- --dry-run] [--config-dir <dir>]

Creates what is missing of the R2 bucket, D1 database and queues named in wrangler.toml and
wrangler.processor.toml, writes the database's id into both files, applies the D1 migrations
remotely and sets the URL_SIGNING_KEY secret if it is not set. Safe to run again.

  --dry-run           print every step with its wrangler command; run nothing, change nothing
  --config-dir <dir>  the folder with the two wrangler files (default: the repository's)`

function parseArgs(argv) {
  const options = { dryRun: false, configDir: repoRoot, help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--dry-run') options.dryRun = true
    else if (a === '--help' || a === '-h') options.help = true
    else if (a === '--config-dir' || a.startsWith('--config-dir=')) {
      const dir = a === '--config-dir' ? argv[++i] : a.slice('--config-dir='.length)
      if (!dir) throw new SetupError('--config-dir needs a folder')
      options.configDir = resolve(dir)
    } else throw new SetupError(`unknown option ${a}\n\n${USAGE}`)
  }
  return options
}

/** How a file is named in the commands: relative to the repository (where wrangler runs) when inside it. */
function displayPath(file) {
  const rel = relative(repoRoot, file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

function loadFiles(configDir) {
  return CONFIG_FILES.map((name) => {
    const file = join(configDir, name)
    let text
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new SetupError(`cannot read ${file}: ${err.message}`)
    }
    return { file, path: displayPath(file), text }
  })
}

/** Runs `npx wrangler <args>` in the repository (so the project's wrangler is used), capturing its output. */
function wrangler(args, { input } = {}) {
  const windows = process.platform === 'win32'
  const r = spawnSync(windows ? 'npx.cmd' : 'npx', ['wrangler', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    // No terminal on stdin: wrangler runs non-interactively (no prompts; migrations apply unasked).
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    shell: windows,
  })
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` }
}

function main(argv = process.argv.slice(2)) {
  try {
    const options = parseArgs(argv)
    if (options.help) {
      console.log(USAGE)
      return 0
    }
    const files = loadFiles(options.configDir)
    if (options.dryRun) {
      console.log('Dry run: nothing is run or changed, and no Cloudflare account is needed.')
      console.log('`npm run setup:cloudflare` would, in order (each resource is listed first; only what is missing is created):\n')
      console.log(formatPlan(plan(files)))
      console.log(`\nThen deploy:\n${NEXT.map((l) => `  ${l}`).join('\n')}`)
      return 0
    }
    const done = provision({ files, exec: wrangler })
    const changed = done.created.length + done.wrote.length + (done.secret === 'set' ? 1 : 0)
    console.log(`\n${changed === 0 ? 'Everything was already in place.' : 'Done.'} Next:\n${NEXT.map((l) => `  ${l}`).join('\n')}`)
    if (done.wrote.length > 0) console.log(`(${done.wrote.join(' and ')} now hold the database id: commit them.)`)
    return 0
  } catch (err) {
    console.error(err instanceof SetupError ? err.message : `✘ ${err.stack ?? err}`)
    return 1
  }
}

process.exitCode = main()
