// The one error type of the public API. Errors cross the worker boundary as plain
// `{ code, message }` envelopes and are rebuilt here, so `instanceof` works on the page.

/** The error codes of API.md. */
export const ErrorCode = Object.freeze({
  DIMENSION_MISMATCH: 'DIMENSION_MISMATCH',
  INVALID_VECTOR: 'INVALID_VECTOR',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  DUPLICATE_ID: 'DUPLICATE_ID',
  CLOSED: 'CLOSED',
  LOCKED: 'LOCKED',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  CORRUPT: 'CORRUPT',
  INTERNAL: 'INTERNAL',
});

export class VectorDBError extends Error {
  /**
   * @param {string} code one of {@link ErrorCode}
   * @param {string} message what went wrong, for people
   */
  constructor(code, message) {
    super(message);
    this.name = 'VectorDBError';
    this.code = ErrorCode[code] ?? ErrorCode.INTERNAL;
  }

  /** Rebuilds an error from a worker envelope or any thrown value. */
  static from(e) {
    if (e instanceof VectorDBError) return e;
    if (e && typeof e === 'object' && typeof e.code === 'string' && e.code in ErrorCode) {
      return new VectorDBError(e.code, String(e.message ?? e.code));
    }
    if (e && e.name === 'DataCloneError') {
      return new VectorDBError(ErrorCode.INVALID_ARGUMENT, `value cannot be stored: ${e.message}`);
    }
    return new VectorDBError(ErrorCode.INTERNAL, String(e?.message ?? e));
  }
}
