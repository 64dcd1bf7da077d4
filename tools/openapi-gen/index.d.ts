export declare const LOCAL_ORIGIN: string
/** The document exactly as the service serves it at /openapi.json. */
export declare function openApiDocument(root: string): Promise<Record<string, unknown>>
/** TypeScript types of the document for openapi-fetch (openapi-typescript). */
export declare function generateTypes(doc: Record<string, unknown>): Promise<string>
