import { z } from '@hono/zod-openapi'

export const ProblemSchema = z
  .object({
    type: z.string().url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' })
