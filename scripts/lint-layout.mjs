// Checks the import rules of .dependency-cruiser.cjs over src/ (docs/architecture.md).
// Quiet when they hold; lists each violation and exits 1 when not. Uses dependency-cruiser's API
// rather than its CLI only to drop its notice that TypeScript 7 has no compiler API yet (swc
// parses the sources instead, see the config).
import { createRequire } from 'node:module'
import { cruise } from 'dependency-cruiser'

const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs')
const result = await cruise(['src'], { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true })
const { summary } = result.output
if (summary.error > 0 || summary.warn > 0) {
  for (const v of summary.violations) {
    const path = v.cycle ? [v.from, ...v.cycle.map((c) => c.name ?? c)].join(' -> ') : `${v.from} -> ${v.to}`
    console.error(`${v.rule.severity} ${v.rule.name}: ${path}`)
  }
  console.error(`${summary.violations.length} layout violation(s); the rules are in .dependency-cruiser.cjs (docs/architecture.md)`)
  process.exit(1)
}
console.log(`layout: ${summary.totalCruised} modules, ${summary.totalDependenciesCruised} imports, rules hold`)
