import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import sparticuz, { inflate } from '@sparticuz/chromium'
import { chromium, type Browser } from 'playwright-core'

/**
 * Headless Chromium from the npm package @sparticuz/chromium, so the browser
 * test needs nothing but `npm ci`. The package unpacks its binary to the temp
 * folder; its NSS/expat libraries (al2023.tar.br, meant for Amazon Linux) are
 * unpacked too and put first on the library path, so the binary needs only
 * libc and libgcc from the machine.
 */
async function unpack() {
  const bin = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', 'bin')
  const [executablePath, libs] = await Promise.all([sparticuz.executablePath(bin), inflate(join(bin, 'al2023.tar.br'))])
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  env.LD_LIBRARY_PATH = [join(libs, 'lib'), env.LD_LIBRARY_PATH].filter(Boolean).join(':')
  env.FONTCONFIG_PATH ??= join(tmpdir(), 'fonts')
  return { executablePath, env, libs }
}

/** The shared libraries the unpacked binary loads from outside the package, as `ldd` resolves them. */
export async function machineLibraries(): Promise<string[]> {
  const { executablePath, env, libs } = await unpack()
  const out = execFileSync('ldd', [executablePath], { env, encoding: 'utf8' })
  return [...out.matchAll(/=>\s*(\S+)/g)].map((m) => m[1]!).filter((path) => !path.startsWith(libs))
}

export async function launchChromium(): Promise<Browser> {
  const { executablePath, env } = await unpack()
  return chromium.launch({
    executablePath,
    env,
    // The package's flags, less --single-process (closing a context would end the whole
    // browser), plus no background traffic: test machines have no network.
    args: [...sparticuz.args.filter((a) => a !== '--single-process'), '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  })
}
