// The API's errors as thrown inside the API: a code of the contract's (src/daemon/contract/errors.ts)
// and a message; body() is the contract's ErrorBody.

import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../daemon/contract/index.js';

export class ApiError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message);
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}
