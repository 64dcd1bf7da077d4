// Generated from /openapi.json by `npm run openapi:types` (openapi-typescript); do not edit.

export interface paths {
    "/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's own images, newest first
         * @description Keyset-paginated: pass `nextCursor` back as `cursor` for the next page; `nextCursor` is null on the last page.
         */
        get: operations["listImages"];
        put?: never;
        /** Upload a JPEG or PNG image */
        post: operations["uploadImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/direct-uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A one-time upload URL for a browser without a token
         * @description The pattern of direct creator uploads: your server asks for a URL with its token and hands it to the browser, which uploads the file itself. The upload gets the same checks as `POST /images`.
         */
        post: operations["createDirectUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/direct-uploads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload through a one-time URL (no token)
         * @description The `uploadURL` of `POST /images/direct-uploads`, as given (its `token` is the credential). Same checks as `POST /images`. One image per URL: a refused file (wrong type, too large) leaves the URL usable.
         */
        post: operations["useDirectUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An image's metadata, status and file URLs
         * @description Public by unguessable id, like the file URLs it returns; with the owner's token, also the owner-only fields. A private image, and a direct upload not yet used (`status: draft`), answer only their owner (anyone else gets 404).
         */
        get: operations["getImage"];
        put?: never;
        post?: never;
        /**
         * Delete an image, its variants and all their files (owner only)
         * @description Someone else's image answers 404 like an unknown id, so ids are never confirmed.
         */
        delete: operations["deleteImage"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/images/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live status of an image (Server-Sent Events)
         * @description `event: image`: the metadata, in the same shape as `GET /images/{id}`; sent on connect and whenever it changes. The stream ends after the event in which `status` is `completed` or `failed`. A stream lasts at most `EVENTS_MAX_SECONDS` (default 60 s): it then sends `event: timeout` with `{ "poll": "/images/{id}" }` and ends; the client should poll that URL (or reconnect). `event: gone` means the image was deleted meanwhile. A private image's stream answers only its owner (a token in `Authorization`, so from `fetch`, not `EventSource`); its URLs are signed afresh in every event.
         */
        get: operations["getImageEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/files/{imageId}/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An original or variant file (immutable, edge-cached)
         * @description URLs come from image metadata; they never change meaning, so answers are cached for a year (and at the edge). A private image's files need the signed URL of its metadata (403 otherwise); they are cached at the edge without the signature, and by the browser only until `exp`. Supports If-None-Match (304) and single byte ranges (206).
         */
        get: operations["getFile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * A file's headers (size, ETag) without its bytes
         * @description URLs come from image metadata; they never change meaning, so answers are cached for a year (and at the edge). A private image's files need the signed URL of its metadata (403 otherwise); they are cached at the edge without the signature, and by the browser only until `exp`.
         */
        head: operations["headFile"];
        patch?: never;
        trace?: never;
    };
    "/images/{id}/variants/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A variant in the best format the browser accepts
         * @description Negotiated from `Accept` (`Vary: Accept`); `Content-Location` names the immutable per-format URL. For `<img src>`; `<picture>` with the per-format URLs avoids negotiation.
         */
        get: operations["getBestVariant"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * The best format's headers without the bytes
         * @description Negotiated from `Accept` (`Vary: Accept`); `Content-Location` names the immutable per-format URL. For `<img src>`; `<picture>` with the per-format URLs avoids negotiation.
         */
        head: operations["headBestVariant"];
        patch?: never;
        trace?: never;
    };
    "/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your webhook endpoints, oldest first (at most 10) */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Register a webhook endpoint; its signing secret is shown once
         * @description Events (`image.completed`, `image.failed`, `image.deleted`) are POSTed to the URL in the Standard Webhooks format: headers `webhook-id` (stable per event: deduplicate on it), `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the secret), and a JSON body `{ type, timestamp, data }` whose `data` is the image as its owner sees it. A 2xx answer within 10 s is success; anything else is retried for about a day, then the endpoint is disabled.
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A webhook endpoint: its state, last error, and why it was disabled
         * @description Someone else's endpoint answers 404 like an unknown id.
         */
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Delete a webhook endpoint; deliveries still queued for it are dropped */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        /** Change a webhook endpoint: URL, event types, or enable it again */
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A new signing secret; the old one keeps signing for a grace period
         * @description During the grace period `webhook-signature` carries two signatures (`v1,<new> v1,<old>`), so receivers can switch to the new secret whenever they are ready.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/problems/{kind}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What a problem `type` means
         * @description Every problem answer has a `type` URI pointing here: a short page saying what went wrong and what to do.
         */
        get: operations["getProblemType"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI 3.1 document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description RFC 9457 problem details */
        Problem: {
            /**
             * Format: uri
             * @description Kind of problem; a page the service serves explains it (`GET /problems/{kind}`).
             */
            type: string;
            title: string;
            status: number;
            detail: string;
        };
        Image: {
            /** @example 6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10 */
            id: string;
            /** @description Owner-only: in answers to the owner (upload, list), never in public reads. */
            userId?: string;
            /**
             * @description draft: stored, not yet queued; processing; completed; failed (see `error`).
             * @enum {string}
             */
            status: "draft" | "processing" | "completed" | "failed";
            /**
             * Format: uri
             * @description Immutable URL of the original.
             */
            url: string;
            /** @description Displayed width (EXIF orientation applied). */
            width: number;
            height: number;
            /** @description Owner-only, like `userId`: the name the file was uploaded with. */
            fileName?: string | null;
            /** @description A private image is shown only to its owner, and its file URLs are signed (`exp`, `sig`): they stop working at `urlsExpireAt`; read the metadata again for fresh ones. */
            private: boolean;
            /**
             * Format: date-time
             * @description When the signed URLs of a private image expire; null for a public image (its URLs never expire).
             */
            urlsExpireAt: string | null;
            /** @description Owner-only: the custom metadata given at upload (a JSON object, at most 1024 bytes). */
            metadata?: {
                [key: string]: unknown;
            } | null;
            /** @enum {string} */
            contentType: "image/jpeg" | "image/png";
            bytes: number;
            sha256: string;
            error: string | null;
            /** Format: date-time */
            createdAt: string;
            variants: components["schemas"]["Variant"][];
            /** @description A ready `<picture>` element: a `<source>` per modern format and an `<img>` with the fallback, each with a `srcset` of the made variants (`w` descriptors); add your own `alt` and `sizes`. Null until a variant is made. */
            picture: string | null;
        };
        Variant: {
            id: string;
            /** @example large */
            name: string;
            /**
             * Format: uri
             * @description Immutable URL of the fallback file (the original's format, which every browser shows); null until the variant is made.
             */
            url: string | null;
            /**
             * Format: uri
             * @description Serves the smallest format the browser accepts (`Accept`: AVIF > WebP > the fallback), with `Vary: Accept`; null until the variant is made.
             */
            bestUrl: string | null;
            /** @description Every format of the made variant, preferred first; empty until it is made. */
            files: components["schemas"]["VariantFile"][];
            width: number;
            height: number;
            bytes: number | null;
            /**
             * @description draft: stored, not yet queued; processing; completed; failed (see `error`).
             * @enum {string}
             */
            status: "draft" | "processing" | "completed" | "failed";
            error: string | null;
        };
        VariantFile: {
            /** @enum {string} */
            format: "jpeg" | "png" | "webp" | "avif";
            /** @enum {string} */
            contentType: "image/jpeg" | "image/png" | "image/webp" | "image/avif";
            /**
             * Format: uri
             * @description Immutable URL of this format.
             */
            url: string;
            bytes: number;
        };
        DirectUpload: {
            /** @description The id the image will have; until the upload, `GET /images/{id}` shows its owner a `draft`. */
            id: string;
            /**
             * Format: uri
             * @description Takes one multipart POST with a `file` (and optionally `fileName`), from any page of an allowed origin, without a token. Keep it secret: whoever has it may upload.
             */
            uploadURL: string;
            /** Format: date-time */
            expiresAt: string;
        };
        DirectUploadRequest: {
            /**
             * @description Seconds the URL works, 120 to 21600 (default 1800).
             * @default 1800
             */
            expiresIn: number;
            /** @description Custom metadata for the image: a JSON object, at most 1024 bytes; owner-only. */
            metadata?: Record<string, never>;
            /**
             * @description Make the image private (files only through signed URLs).
             * @default false
             */
            private: boolean;
        };
        /** @description A direct upload not yet used, as its owner sees it. */
        Draft: {
            /** @description The id the image will have. */
            id: string;
            /** @enum {string} */
            status: "draft";
            private: boolean;
            metadata: {
                [key: string]: unknown;
            } | null;
            /** Format: date-time */
            createdAt: string;
            /**
             * Format: date-time
             * @description When the upload URL stops working.
             */
            expiresAt: string;
        };
        ImagePage: {
            items: components["schemas"]["Image"][];
            nextCursor: string | null;
        };
        CreatedWebhookEndpoint: components["schemas"]["WebhookEndpoint"] & {
            /**
             * @description The signing secret (Standard Webhooks, `whsec_` + base64). Shown only in this answer: keep it to verify `webhook-signature`.
             * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
             */
            secret: string;
        };
        WebhookEndpoint: {
            id: string;
            url: string;
            events: ("image.completed" | "image.failed" | "image.deleted")[];
            /** @description False once deliveries kept failing (see `disabledReason`) or the owner disabled it; enable it again with `PATCH`. */
            enabled: boolean;
            /** @description Why the service disabled the endpoint; null when enabled or disabled by its owner. */
            disabledReason: string | null;
            /**
             * Format: date-time
             * @description First failed delivery since the last success; null while deliveries succeed. After 24 hours of failures the endpoint is disabled.
             */
            failingSince: string | null;
            lastError: string | null;
            /** Format: date-time */
            lastAttemptAt: string | null;
            /** Format: date-time */
            lastSuccessAt: string | null;
            /**
             * Format: date-time
             * @description After a secret rotation, deliveries are signed with both secrets until then.
             */
            previousSecretExpiresAt: string | null;
            /** Format: date-time */
            createdAt: string;
        };
        CreateWebhookRequest: {
            /**
             * @description Where events are POSTed: an https URL of a public host.
             * @example https://example.com/hooks/images
             */
            url: string;
            /**
             * @description Event types to deliver (default: all).
             * @default [
             *       "image.completed",
             *       "image.failed",
             *       "image.deleted"
             *     ]
             * @example [
             *       "image.completed",
             *       "image.failed"
             *     ]
             */
            events: ("image.completed" | "image.failed" | "image.deleted")[];
        };
        UpdateWebhookRequest: {
            /**
             * @description Where events are POSTed: an https URL of a public host.
             * @example https://example.com/hooks/images
             */
            url?: string;
            /**
             * @description Event types to deliver: `image.completed`, `image.failed`, `image.deleted`.
             * @example [
             *       "image.completed",
             *       "image.failed"
             *     ]
             */
            events?: ("image.completed" | "image.failed" | "image.deleted")[];
            /** @description true enables a disabled endpoint again (and forgets its failures); false stops deliveries. */
            enabled?: boolean;
        };
        RotatedWebhookEndpoint: components["schemas"]["WebhookEndpoint"] & {
            /**
             * @description The signing secret (Standard Webhooks, `whsec_` + base64). Shown only in this answer: keep it to verify `webhook-signature`.
             * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
             */
            secret: string;
        };
        RotateWebhookSecretRequest: {
            /**
             * @description How long deliveries stay signed with the old secret too (default 86400 s, at most 604800); 0 drops it now.
             * @default 86400
             */
            gracePeriodSeconds: number;
        };
    };
    responses: {
        /** @description Malformed parameter, header or form (see `detail`). */
        BadRequest: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Missing, malformed, unknown or revoked token. */
        Unauthorized: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A private image's file without a valid signature: `exp` and `sig` missing, malformed, expired or not ours. */
        Forbidden: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such resource (or not yours). */
        NotFound: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The direct-upload URL was already used, or it expired. */
        Gone: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The path exists, but not with this method; `Allow` lists the methods it accepts. */
        MethodNotAllowed: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                Allow: components["headers"]["Allow"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A request with the same Idempotency-Key (or the same direct-upload URL) is still running; retry after `Retry-After` seconds. */
        Conflict: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "Retry-After": components["headers"]["RetryAfter"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description File over the size limit. */
        PayloadTooLarge: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Not multipart/form-data, or the file is not a JPEG or PNG. */
        UnsupportedMediaType: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The range lies outside the file; `Content-Range` gives its size. */
        RangeNotSatisfiable: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "Content-Range": components["headers"]["ContentRange"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Unreadable image header, empty file, over the pixel cap, a decode that would not fit the memory or CPU budget, or an Idempotency-Key reused for a different upload. */
        UnprocessableContent: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Over the per-user upload rate limit. */
        TooManyRequests: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "Retry-After": components["headers"]["RetryAfter"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The webhook URL is refused (not https, or a loopback, private or internal address), or the account already has the most endpoints it may have. */
        WebhookRefused: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Unexpected failure on our side (logged); retrying is safe. */
        InternalError: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Storage failed and nothing was kept; retry after `Retry-After` seconds. */
        ServiceUnavailable: {
            headers: {
                "Cache-Control": components["headers"]["CacheControl"];
                Vary: components["headers"]["Vary"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                "Retry-After": components["headers"]["RetryAfter"];
                "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
        D1Bookmark: string;
    };
    requestBodies: never;
    headers: {
        /** @description `no-store` for anything that changes; files are `public, max-age=31536000, immutable` (a private image's, through a signed URL: `private, max-age=<seconds until exp>`); a missing file `public, max-age=60`. */
        CacheControl: string;
        /** @description `Origin` on /images paths: their CORS headers depend on the Origin of the request; `Accept` on a variant's negotiated URL. */
        Vary: string;
        /** @description The immutable URL of the file sent (the chosen format). */
        ContentLocation: string;
        /** @description The Origin of the request, when it is in `CORS_ALLOWED_ORIGINS` (/images paths only). */
        AccessControlAllowOrigin: string;
        /** @description Headers a browser page may read (/images paths, allowed origins only). */
        AccessControlExposeHeaders: string;
        /** @description Seconds to wait before retrying. */
        RetryAfter: number;
        /** @description The scheme to authenticate with. */
        WWWAuthenticate: string;
        /** @description The image's metadata URL. */
        Location: string;
        /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
        IdempotentReplayed: "true";
        /** @description Strong validator of the file; send it back in If-None-Match or If-Range. */
        ETag: string;
        /** @description The bytes sent (`bytes 0-99/5000`), or the size when no range could be served (`bytes *\/5000`). */
        ContentRange: string;
        /** @description Single byte ranges are served. */
        AcceptRanges: "bytes";
        /** @description Seconds the answer has spent in the edge cache (answers from the cache only). */
        Age: number;
        /** @description `HIT` when the edge cache answered (answers from the cache only). */
        CFCacheStatus: string;
        /** @description Size of the body in bytes (HEAD: of the body a GET would send). */
        ContentLength: number;
        /** @description Keeps browsers from sniffing a file as another type. */
        XContentTypeOptions: "nosniff";
        /** @description Keeps a file or page from running anything. */
        ContentSecurityPolicy: string;
        /** @description The methods the path accepts. */
        Allow: string;
        /** @description Where this answer's D1 session got to (absent if it touched no metadata). Send the latest you have back in the `X-D1-Bookmark` request header: that request reads at least this fresh a copy of the metadata, so you always see your own writes. */
        XD1Bookmark: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listImages: {
        parameters: {
            query?: {
                /** @description Page size, 1..100 */
                limit?: number;
                /** @description From the previous page's `nextCursor` */
                cursor?: string;
            };
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of images */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            500: components["responses"]["InternalError"];
        };
    };
    uploadImage: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes retries safe: the same key (per user, 24 h) returns the first answer; with a different body it is a 422. */
                "Idempotency-Key"?: string;
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description JPEG or PNG, at most 5 MB; the type is read from the bytes.
                     */
                    file: Blob;
                    /** @description Display name; defaults to the file part name. */
                    fileName?: string;
                    /**
                     * @description Custom metadata: a JSON object, at most 1024 bytes; returned only to the owner.
                     * @example {"album":"summer"}
                     */
                    metadata?: string;
                    /**
                     * @description A private image is shown only to its owner and its files only through signed URLs.
                     * @enum {string}
                     */
                    private?: "true" | "false";
                };
            };
        };
        responses: {
            /** @description Stored; variants are being made. `Location` is the metadata URL to poll (or `/events` under it to watch). */
            202: {
                headers: {
                    Location: components["headers"]["Location"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createDirectUpload: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["DirectUploadRequest"];
            };
        };
        responses: {
            /** @description The URL */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DirectUpload"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    useDirectUpload: {
        parameters: {
            query: {
                /** @description The secret part of the upload URL. */
                token: string;
            };
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description JPEG or PNG, at most 5 MB.
                     */
                    file: Blob;
                    fileName?: string;
                };
            };
        };
        responses: {
            /** @description Stored; variants are being made. The answer is the public view of the image (the uploader is not its owner); a private image's URLs are signed. */
            202: {
                headers: {
                    Location: components["headers"]["Location"];
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            410: components["responses"]["Gone"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getImage: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image (or, to its owner, the draft of a direct upload) */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"] | components["schemas"]["Draft"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
        };
    };
    deleteImage: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getImageEvents: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An event stream */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    "Access-Control-Expose-Headers": components["headers"]["AccessControlExposeHeaders"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
        };
    };
    getFile: {
        parameters: {
            query?: {
                /** @description A private image's signed URL: its expiry (Unix seconds). */
                exp?: string;
                /** @description A private image's signed URL: base64url HMAC-SHA256 of the path and `exp`. */
                sig?: string;
            };
            header?: {
                /** @description One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-500`; several ranges are answered with the whole file. */
                Range?: string;
                /** @description ETags the client has; a match answers 304. */
                "If-None-Match"?: string;
                /** @description Serve `Range` only if the file still has this ETag, else the whole file. */
                "If-Range"?: string;
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                imageId: string;
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": Blob;
                    "image/png": Blob;
                    "image/webp": Blob;
                    "image/avif": Blob;
                };
            };
            /** @description One byte range of the file */
            206: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "Content-Range": components["headers"]["ContentRange"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": Blob;
                    "image/png": Blob;
                    "image/webp": Blob;
                    "image/avif": Blob;
                };
            };
            /** @description Not modified (If-None-Match matched) */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            416: components["responses"]["RangeNotSatisfiable"];
            500: components["responses"]["InternalError"];
        };
    };
    headFile: {
        parameters: {
            query?: {
                /** @description A private image's signed URL: its expiry (Unix seconds). */
                exp?: string;
                /** @description A private image's signed URL: base64url HMAC-SHA256 of the path and `exp`. */
                sig?: string;
            };
            header?: {
                /** @description One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-500`; several ranges are answered with the whole file. */
                Range?: string;
                /** @description ETags the client has; a match answers 304. */
                "If-None-Match"?: string;
                /** @description Serve `Range` only if the file still has this ETag, else the whole file. */
                "If-Range"?: string;
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                imageId: string;
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description One byte range of the file */
            206: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "Content-Range": components["headers"]["ContentRange"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not modified (If-None-Match matched) */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            416: components["responses"]["RangeNotSatisfiable"];
            500: components["responses"]["InternalError"];
        };
    };
    getBestVariant: {
        parameters: {
            query?: {
                /** @description A private image's signed URL: its expiry (Unix seconds). */
                exp?: string;
                /** @description A private image's signed URL: the signature. */
                sig?: string;
            };
            header?: {
                /** @description e.g. `image/avif,image/webp,*\/*`: named modern formats are preferred. */
                Accept?: string;
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
                name: "large" | "medium" | "thumb";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file in the chosen format */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Content-Location": components["headers"]["ContentLocation"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": Blob;
                    "image/png": Blob;
                    "image/webp": Blob;
                    "image/avif": Blob;
                };
            };
            /** @description One byte range */
            206: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Content-Location": components["headers"]["ContentLocation"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "Content-Range": components["headers"]["ContentRange"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not modified */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Content-Location": components["headers"]["ContentLocation"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            416: components["responses"]["RangeNotSatisfiable"];
            500: components["responses"]["InternalError"];
        };
    };
    headBestVariant: {
        parameters: {
            query?: {
                /** @description A private image's signed URL: its expiry (Unix seconds). */
                exp?: string;
                /** @description A private image's signed URL: the signature. */
                sig?: string;
            };
            header?: {
                /** @description e.g. `image/avif,image/webp,*\/*`: named modern formats are preferred. */
                Accept?: string;
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
                name: "large" | "medium" | "thumb";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file in the chosen format */
            200: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Content-Location": components["headers"]["ContentLocation"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description One byte range */
            206: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Content-Location": components["headers"]["ContentLocation"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Content-Length": components["headers"]["ContentLength"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "Content-Range": components["headers"]["ContentRange"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not modified */
            304: {
                headers: {
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    Vary: components["headers"]["Vary"];
                    "Content-Location": components["headers"]["ContentLocation"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    Age: components["headers"]["Age"];
                    "CF-Cache-Status": components["headers"]["CFCacheStatus"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            416: components["responses"]["RangeNotSatisfiable"];
            500: components["responses"]["InternalError"];
        };
    };
    listWebhooks: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoints (never their secrets) */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["WebhookEndpoint"][];
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            500: components["responses"]["InternalError"];
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhookRequest"];
            };
        };
        responses: {
            /** @description The endpoint, with its secret */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedWebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["WebhookRefused"];
            500: components["responses"]["InternalError"];
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint (never its secret) */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateWebhookRequest"];
            };
        };
        responses: {
            /** @description The endpoint as it is now */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["WebhookRefused"];
            500: components["responses"]["InternalError"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateWebhookSecretRequest"];
            };
        };
        responses: {
            /** @description The endpoint, with its new secret */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RotatedWebhookEndpoint"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
        };
    };
    getProblemType: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path: {
                kind: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An HTML page explaining the kind of problem */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["CacheControl"];
                    "X-Content-Type-Options": components["headers"]["XContentTypeOptions"];
                    "Content-Security-Policy": components["headers"]["ContentSecurityPolicy"];
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            404: components["responses"]["NotFound"];
            500: components["responses"]["InternalError"];
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: {
                /** @description The latest `X-D1-Bookmark` you received: this request then sees at least that state of the metadata. */
                "X-D1-Bookmark"?: components["parameters"]["D1Bookmark"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document */
            200: {
                headers: {
                    "X-D1-Bookmark": components["headers"]["XD1Bookmark"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            500: components["responses"]["InternalError"];
        };
    };
}
