/** Deeper than this, a JSON body is refused before it is parsed: no field of the API nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;

export class BodyTooDeepError extends Error {
  readonly statusCode = 400;
  constructor() {
    super(`The body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; no request needs that.`);
    this.name = 'BodyTooDeepError';
  }
}

export class InvalidJsonError extends Error {
  readonly statusCode = 400;
  constructor() {
    super('The body is not valid JSON.');
    this.name = 'InvalidJsonError';
  }
}

/**
 * Parses a JSON request body after a linear scan of its nesting depth: a body of 20,000 nested
 * objects would otherwise reach the validators' recursion and end as a 500. Strings are skipped,
 * so brackets inside them do not count.
 */
export function parseJsonBody(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > MAX_JSON_DEPTH) throw new BodyTooDeepError();
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
}

/**
 * What Node's HTTP parser answers before any route runs (a request line or headers over the size
 * limit, a malformed request): a problem+json like every other refusal, then the connection closes.
 */
export function clientErrorHandler(
  error: Error & { code?: string },
  socket: { writable: boolean; end(data: string): void; destroy(): void; _httpMessage?: { headersSent?: boolean } | null },
): void {
  // A client that went away (a reset) hears nothing more; one whose request was answered already (a
  // body over the limit that goes on, malformed, after its 413) gets no second answer on the stream.
  if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) return socket.destroy();
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    type: `https://clientele.dev/problems/${tooLarge ? 'headers_too_large' : 'bad_request'}`,
    title: tooLarge ? 'Request Header Fields Too Large' : 'Bad Request',
    status,
    detail: tooLarge ? 'The address or the headers are too long (over 16 KB); shorten the query.' : 'The request is not valid HTTP.',
    code: tooLarge ? 'headers_too_large' : 'bad_request',
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
