// Typed application errors; the API's error handler maps them to HTTP once, in one place.

export interface ErrorDetails {
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  constructor(message: string, details?: ErrorDetails, code = 'bad_request') {
    super(400, code, message, details);
  }
}

export class Unauthorized extends AppError {
  constructor(message = 'Authentication required: send a Bearer token or log in.', code = 'unauthorized') {
    super(401, code, message, undefined, { 'WWW-Authenticate': 'Bearer realm="artdag"' });
  }
}

export class Forbidden extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFound extends AppError {
  constructor(message: string, code = 'not_found') {
    super(404, code, message);
  }
}

export class Conflict extends AppError {
  constructor(message: string, details?: ErrorDetails, code = 'conflict') {
    super(409, code, message, details);
  }
}

export class PayloadTooLarge extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `Request body is larger than the limit of ${limitBytes} bytes.`, {
      limit_bytes: limitBytes,
    });
  }
}

export class UnsupportedMediaType extends AppError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class Unprocessable extends AppError {
  constructor(message: string, details?: ErrorDetails, code = 'unprocessable') {
    super(422, code, message, details);
  }
}

export class TooManyRequests extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(
      429,
      'too_many_requests',
      message,
      { retry_after_seconds: retryAfterSeconds },
      {
        'Retry-After': String(retryAfterSeconds),
      },
    );
  }
}

export class BadGateway extends AppError {
  constructor(message: string, details?: ErrorDetails, code = 'bad_gateway') {
    super(502, code, message, details);
  }
}

export class ServiceUnavailable extends AppError {
  constructor(message: string, details?: ErrorDetails) {
    super(503, 'service_unavailable', message, details);
  }
}
