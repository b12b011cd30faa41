// The API's error shape and its stable codes: { error: { code, message, details? } }. Clients and
// the CLI branch on `code` (each has one HTTP status); the message is for people.

import { Closed, Type, type Static } from './common.js';

export const ERROR_CODES = {
  'invalid-request': 400,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'too-many-requests': 429,
  'config-invalid': 422,
  'restart-needed': 409,
  'internal-error': 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export const ErrorBody = Closed({
  error: Closed({
    code: Type.Enum(Object.keys(ERROR_CODES) as ErrorCode[]),
    message: Type.String(),
    details: Type.Optional(Type.Unknown({ description: 'for config-invalid: every problem with its key and line' })),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
