/**
 * A file that can never become a variant: corrupt, truncated, unsupported.
 * The consumer marks the variant `failed` with `message` and does not retry,
 * because retrying a bad file can only fail again.
 */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError'
}
