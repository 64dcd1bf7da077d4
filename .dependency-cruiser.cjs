// The layout, checked (`npm run lint:layout`, run by `npm test`). docs/architecture.md draws the
// same picture. Capabilities (upload, delivery, processor, repair) build on the shared modules
// (formats, store, lib) and never on each other; HTTP lives in api/, which only the API entry
// imports; only store/ talks to drizzle.
const CAPABILITIES = '(upload|delivery|processor|repair)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'api-only-from-entry',
      comment: 'Nothing imports api/ but the API entry (src/index.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/api/', '^src/index\\.ts$'] },
      to: { path: '^src/api/' },
    },
    {
      name: 'capabilities-independent',
      comment: "A capability may import formats/, store/, lib/ and itself, never another capability's insides.",
      severity: 'error',
      from: { path: `^src/${CAPABILITIES}/` },
      to: { path: `^src/${CAPABILITIES}/`, pathNot: '^src/$1/' },
    },
    {
      name: 'formats-pure',
      comment: 'The format catalogue depends on lib/ only.',
      severity: 'error',
      from: { path: '^src/formats/' },
      to: { path: '^src/', pathNot: ['^src/formats/', '^src/lib/'] },
    },
    {
      name: 'store-below-capabilities',
      comment: 'store/ depends on formats/ and lib/ only.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/store/', '^src/formats/', '^src/lib/'] },
    },
    {
      name: 'lib-leaf',
      comment: 'lib/ depends on nothing of ours.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'drizzle-only-in-store',
      comment: 'Only store/ queries the database: swapping D1 is a change inside store/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: 'node_modules/drizzle-orm' },
    },
    {
      name: 'api-bundle-without-codecs',
      comment: 'The API Worker never reaches the processor, so its bundle carries no WASM codec.',
      severity: 'error',
      from: { path: '^src/(index\\.ts|api/)' },
      to: { path: '^src/processor/' },
    },
    {
      name: 'processor-without-http',
      comment: 'The processor Worker has no fetch handler: its entry reaches no HTTP code.',
      severity: 'error',
      from: { path: '^src/processor-worker\\.ts$' },
      to: { path: '^src/(api|delivery|upload)/', reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles that exist at run time (type-only imports vanish when compiled).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    // TypeScript 7 has no compiler API yet for dependency-cruiser to use; swc parses the sources.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
}
