import { Validator, type OutputUnit } from '@cfworker/json-schema'

/**
 * Checks an answer of the service against its own /openapi.json: the status
 * is documented for the operation, every header sent is documented (and the
 * required ones are sent), the content type is documented and a JSON body
 * validates against its schema.
 *
 * Schemas are validated by @cfworker/json-schema (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1). It interprets schemas; ajv-based OpenAPI
 * validators compile them with `new Function`, which workerd refuses, and
 * this check has to run inside workerd, where the integration tests are.
 */

/** The document is plain JSON, walked by pointer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

export interface SentRequest {
  method: string
  url: string
  headers: Headers
}

/** Where the document is registered for `$ref` resolution; never fetched. */
const DOC_ID = 'https://contract.invalid/openapi.json'

/** Headers of the HTTP layer or of the body itself, which OpenAPI does not list per response. */
const PROTOCOL_HEADERS = new Set(['content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date'])

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')
const pointer = (...parts: string[]) => '#/' + parts.map(escapePointer).join('/')

export class Contract {
  private readonly validators = new Map<string, Validator>()
  private readonly paths: { template: string; pattern: RegExp }[]

  constructor(readonly doc: Json) {
    this.paths = Object.keys(doc.paths).map((template) => ({
      template,
      pattern: new RegExp('^' + template.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
    }))
  }

  /** Follows `$ref`s from a pointer; returns the value and where it really is (schemas inside refer relative to that). */
  private resolve(at: string): { value: Json; at: string } {
    let value: Json = this.doc
    for (const part of at.slice(2).split('/')) value = value?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    return value && typeof value.$ref === 'string' && value.$ref.startsWith('#/') ? this.resolve(value.$ref) : { value, at }
  }

  private validate(schemaAt: string, instance: unknown): string[] {
    let validator = this.validators.get(schemaAt)
    if (!validator) {
      validator = new Validator({ $ref: DOC_ID + schemaAt }, '2020-12', false)
      validator.addSchema(this.doc, DOC_ID)
      this.validators.set(schemaAt, validator)
    }
    const result = validator.validate(instance)
    // The leaves say what is wrong; the rest only say "a subschema had errors".
    const leaves = result.errors.filter((e: OutputUnit) => !['$ref', 'properties', 'items', 'prefixItems', 'allOf', 'anyOf', 'oneOf', 'additionalProperties'].includes(e.keyword))
    return (leaves.length ? leaves : result.errors).map((e: OutputUnit) => `${e.instanceLocation}: ${e.error}`)
  }

  private findPath(pathname: string): string | undefined {
    // A literal path wins over a templated one, as OpenAPI says.
    const matches = this.paths.filter((p) => p.pattern.test(pathname))
    return (matches.find((p) => !p.template.includes('{')) ?? matches[0])?.template
  }

  /**
   * What is wrong with `res` as an answer to `req`, per the document; empty
   * when it conforms. Reads a clone of the body unless `body` is false.
   */
  async check(req: SentRequest, res: Response, { body: readBody = true } = {}): Promise<string[]> {
    const url = new URL(req.url)
    const method = req.method.toLowerCase()
    const at = `${req.method} ${url.pathname} -> ${res.status}`
    const issues: string[] = []

    // A CORS preflight is the Fetch protocol, answered before routing: not an operation.
    if (method === 'options' && req.headers.has('access-control-request-method')) {
      const stray = [...res.headers.keys()].filter((h) => !h.startsWith('access-control-') && !['vary', 'cache-control', ...PROTOCOL_HEADERS].includes(h))
      if (res.status !== 204) issues.push(`${at}: a CORS preflight answers 204`)
      if (stray.length) issues.push(`${at}: preflight sends ${stray.join(', ')}`)
      return issues
    }

    let responseAt: string
    const template = this.findPath(url.pathname)
    const item = template === undefined ? undefined : this.doc.paths[template]
    const operation = item ? (method in item ? method : method === 'head' && 'get' in item ? 'get' : undefined) : undefined
    if (template === undefined) {
      responseAt = pointer('components', 'responses', 'NotFound')
      if (res.status !== 404) return [`${at}: no documented path matches, so the answer must be 404`]
    } else if (operation === undefined) {
      responseAt = pointer('components', 'responses', 'MethodNotAllowed')
      if (res.status !== 405) return [`${at}: ${template} documents no ${req.method}, so the answer must be 405`]
      const documented = Object.keys(item).filter((m) => ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'].includes(m))
      const expected = new Set([...documented, ...(documented.includes('get') ? ['head'] : [])].map((m) => m.toUpperCase()))
      const allow = new Set((res.headers.get('allow') ?? '').split(',').map((m) => m.trim()).filter(Boolean))
      if ([...expected].sort().join() !== [...allow].sort().join()) issues.push(`${at}: Allow is "${res.headers.get('allow')}", the document has ${[...expected].join(', ')}`)
    } else {
      const responses = item[operation].responses
      const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => k in responses)
      if (!key) return [`${at}: status ${res.status} is not documented for ${operation.toUpperCase()} ${template} (documented: ${Object.keys(responses).join(', ')})`]
      responseAt = pointer('paths', template, operation, 'responses', key)
    }

    const { value: response, at: realAt } = this.resolve(responseAt)
    issues.push(...this.checkHeaders(at, realAt, response, res))

    const bodiless = method === 'head' || res.status === 204 || res.status === 304
    const contentType = res.headers.get('content-type')
    if (bodiless) return issues
    if (!response.content) {
      if (contentType !== null) issues.push(`${at}: sends ${contentType}, but the document describes no content`)
      return issues
    }
    const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
    const mediaType = Object.keys(response.content).find((m) => m.toLowerCase() === essence || m === `${essence.split('/')[0]}/*` || m === '*/*')
    if (!mediaType) return [...issues, `${at}: content type "${contentType}" is not documented (documented: ${Object.keys(response.content).join(', ')})`]
    if (readBody && (essence === 'application/json' || essence.endsWith('+json'))) {
      let body: unknown
      try {
        body = await res.clone().json()
      } catch {
        return [...issues, `${at}: the body is not JSON`]
      }
      issues.push(...this.validate(`${realAt}/content/${escapePointer(mediaType)}/schema`, body).map((e) => `${at}: body ${e}`))
    }
    return issues
  }

  private checkHeaders(at: string, responseAt: string, response: Json, res: Response): string[] {
    const issues: string[] = []
    const documented = new Map<string, string>()
    for (const name of Object.keys(response.headers ?? {})) documented.set(name.toLowerCase(), `${responseAt}/headers/${escapePointer(name)}`)
    for (const [name, headerAt] of documented) {
      const { value: header, at: realAt } = this.resolve(headerAt)
      const sent = res.headers.get(name)
      if (sent === null) {
        if (header.required) issues.push(`${at}: required header ${name} is missing`)
        continue
      }
      const type = header.schema?.type
      const instance = type === 'integer' || type === 'number' ? Number(sent) : sent
      issues.push(...this.validate(`${realAt}/schema`, instance).map((e) => `${at}: header ${name} "${sent}" ${e}`))
    }
    for (const name of res.headers.keys()) {
      if (!documented.has(name) && !PROTOCOL_HEADERS.has(name)) issues.push(`${at}: header ${name} is not documented`)
    }
    return issues
  }
}
