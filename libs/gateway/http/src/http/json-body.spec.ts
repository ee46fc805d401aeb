import { clientErrorHandler } from './json-body';

/** What Node's HTTP server hands the handler: a socket to answer on, or to let go. */
function socket(overrides: { writable?: boolean; _httpMessage?: { headersSent?: boolean } | null } = {}) {
  const written: string[] = [];
  let destroyed = false;
  return {
    writable: overrides.writable ?? true,
    _httpMessage: overrides._httpMessage ?? null,
    end: (data: string) => void written.push(data),
    destroy: () => void (destroyed = true),
    get answer() {
      return written.join('');
    },
    get destroyed() {
      return destroyed;
    },
  };
}

const failure = (code: string) => Object.assign(new Error(code), { code });

describe('clientErrorHandler (answers before any route runs)', () => {
  it('answers headers over the limit with a 431 problem, and a malformed request with a 400 problem', () => {
    const overflow = socket();
    clientErrorHandler(failure('HPE_HEADER_OVERFLOW'), overflow);
    expect(overflow.answer).toMatch(/^HTTP\/1\.1 431 .*\r\ncontent-type: application\/problem\+json\r\n[\s\S]*"code":"headers_too_large"/);
    const malformed = socket();
    clientErrorHandler(failure('HPE_INVALID_METHOD'), malformed);
    expect(malformed.answer).toMatch(/^HTTP\/1\.1 400 [\s\S]*"code":"bad_request"/);
  });

  it('writes nothing to a client that reset the connection (issue 24: one that read its 413 and left)', () => {
    const reset = socket();
    clientErrorHandler(failure('ECONNRESET'), reset);
    expect({ answer: reset.answer, destroyed: reset.destroyed }).toEqual({ answer: '', destroyed: true });
  });

  it('writes no second answer into a response already under way', () => {
    const answered = socket({ _httpMessage: { headersSent: true } });
    clientErrorHandler(failure('HPE_INVALID_CHUNK_SIZE'), answered);
    expect({ answer: answered.answer, destroyed: answered.destroyed }).toEqual({ answer: '', destroyed: true });
  });
});
