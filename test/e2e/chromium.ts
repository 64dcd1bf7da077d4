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
export async function launchChromium(): Promise<Browser> {
  const bin = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', 'bin')
  const [executablePath, libs] = await Promise.all([sparticuz.executablePath(bin), inflate(join(bin, 'al2023.tar.br'))])
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  env.LD_LIBRARY_PATH = [join(libs, 'lib'), env.LD_LIBRARY_PATH].filter(Boolean).join(':')
  env.FONTCONFIG_PATH ??= join(tmpdir(), 'fonts')
  return chromium.launch({
    executablePath,
    env,
    // The package's flags, less --single-process (closing a context would end the whole
    // browser), plus no background traffic: test machines have no network.
    args: [...sparticuz.args.filter((a) => a !== '--single-process'), '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  })
}
