/**
 * An upload's path from request body to 202, shared by `POST /images` (the owner's token) and a
 * direct-upload URL (no token): the form is read, sniffed and capped before anything is stored,
 * streamed into R2, then committed. Both paths check the same type, size and pixel limits.
 */
import type { Context } from 'hono'
import { overPixelCaps } from '../formats/limits'
import { DEFAULT_LIMITS, planDecode } from '../formats/plan'
import { PngChunkCounter } from '../formats/png'
import { sniffImage } from '../formats/sniff'
import { parseCustomMetadata, type CustomMetadata } from '../lib/custom-metadata'
import { ProblemError } from '../lib/problem'
import { loadImage, type DirectUploadClaim, type ImageWithVariants } from '../store/d1/images'
import { commitUpload, type UploadDetails } from '../upload/commit'
import { SNIFF_PREFIX_BYTES, openUploadForm, type UploadForm } from '../upload/form'
import { idempotentUpload, type IdempotentResult } from '../upload/idempotency'
import { releaseStaged, stageUpload } from '../upload/stage'
import { describeImage } from './describe'
import type { AppEnv } from './env'
import { response } from './contract'
import type { Audience, ImageMetadata } from './metadata'

/** The refusals `acceptUpload` answers with, for the OpenAPI entry of every upload route. */
export const UPLOAD_REFUSALS = {
  400: response('BadRequest'),
  413: response('PayloadTooLarge'),
  415: response('UnsupportedMediaType'),
  422: response('UnprocessableContent'),
  429: response('TooManyRequests'),
  500: response('InternalError'),
  503: response('ServiceUnavailable'),
}

export interface AcceptOptions {
  userId: string
  imageId: string
  /** Privacy and metadata fixed beforehand (a direct upload's); else read from the form's fields. */
  fixed?: { private: boolean; metadata: CustomMetadata | null }
  /** Who reads the answer: the owner, or (a direct upload) a browser that is not. */
  audience: Audience
  idempotencyKey?: string | undefined
  directUpload?: DirectUploadClaim
}

const badField = (detail: string) => new ProblemError(400, 'bad-request', detail)

/** `private` and `metadata` from the form's fields. */
function formDetails(form: UploadForm): Omit<UploadDetails, 'fileName'> {
  const flag = form.field('private')
  const raw = flag?.value.trim().toLowerCase()
  if (raw !== undefined && !['true', 'false', '1', '0', ''].includes(raw)) throw badField('private: must be true or false.')
  const text = form.field('metadata')
  if (text?.truncated) throw badField('metadata: must be at most 1024 bytes as JSON.')
  const parsed = text && text.value.trim() !== '' ? parseCustomMetadata(text.value) : null
  if (parsed && !parsed.ok) throw badField(`${parsed.reason}.`)
  return { private: raw === 'true' || raw === '1', metadata: parsed?.ok ? parsed.value : null }
}

export async function acceptUpload(c: Context<AppEnv>, options: AcceptOptions): Promise<IdempotentResult<ImageMetadata>> {
  const config = c.get('config')
  const form = await openUploadForm(c.req.raw, config.maxUploadBytes)
  // Decided from the first bytes, before anything is stored.
  const sniffed = sniffImage(form.head)
  if (!sniffed.ok) {
    if (sniffed.reason === 'unsupported') throw await form.refuse(new ProblemError(415, 'unsupported-media-type', sniffed.detail))
    throw await form.refuse(new ProblemError(
      422,
      'unprocessable-image',
      form.complete ? sniffed.detail : `The image header was not found in the first ${SNIFF_PREFIX_BYTES / 1024} KB of the file (${sniffed.detail})`,
    ))
  }
  const overCap = overPixelCaps(sniffed.header)
  if (overCap) throw await form.refuse(new ProblemError(422, 'unprocessable-image', overCap))
  // The decode must fit the processor's memory and CPU per image, judged from the header (docs/memory-plan.md).
  const plan = planDecode(sniffed.header, DEFAULT_LIMITS)
  if (!plan.ok) throw new ProblemError(422, 'unprocessable-image', plan.reason)
  const { userId } = options
  // A PNG's IDAT chunks are counted as the file streams by; the plan is judged again on the whole count.
  const layout = sniffed.header.layout
  const chunks = layout.kind === 'png' ? new PngChunkCounter() : null
  if (chunks) form.tap((bytes) => chunks.push(bytes))
  const store = c.get('store')
  const staged = await stageUpload(store, options.imageId, form)
  let details: UploadDetails
  try {
    if (chunks && layout.kind === 'png') {
      const whole = { ...sniffed.header, layout: { ...layout, idatChunks: chunks.idatChunks, idatBytes: chunks.idatBytes } }
      const replanned = planDecode(whole, DEFAULT_LIMITS)
      if (!replanned.ok) throw new ProblemError(422, 'unprocessable-image', replanned.reason)
    }
    if (options.fixed && (form.field('private') !== null || form.field('metadata') !== null)) {
      throw badField('private and metadata are set by the owner when the upload URL is made; send only `file` (and `fileName`).')
    }
    details = { fileName: form.fileName(), ...(options.fixed ?? formDetails(form)) }
  } catch (err) {
    await releaseStaged(store, staged)
    throw err
  }
  const answer = async (found: ImageWithVariants) => ({ body: await describeImage(c, found, options.audience), location: `/images/${found.image.id}` })
  // With an Idempotency-Key, a retry gets the first answer and stores nothing new.
  return idempotentUpload(
    store,
    { userId, key: options.idempotencyKey, sha256: staged.sha256, fileName: details.fileName, private: details.private, metadata: details.metadata },
    async (claim) => {
      const committed = await commitUpload(store, userId, staged, sniffed.header, details, { idempotency: claim, directUpload: options.directUpload ?? null })
      return answer({ ...committed, files: [] })
    },
    async (imageId) => {
      const found = await loadImage(store, imageId)
      return found && found.image.userId === userId ? answer(found) : null
    },
  ).finally(() => releaseStaged(store, staged))
}
