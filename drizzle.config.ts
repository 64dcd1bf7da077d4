import { defineConfig } from 'drizzle-kit'

// `npx drizzle-kit generate` writes SQL migrations that wrangler applies to D1.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/d1/schema.ts',
  out: './migrations',
})
