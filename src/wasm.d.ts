// wrangler (and the vitest plugin) hand `.wasm?module` imports over as compiled modules,
// the only way workerd allows WASM: compiling from bytes at run time is forbidden.
declare module '*.wasm?module' {
  const module: WebAssembly.Module
  export default module
}
