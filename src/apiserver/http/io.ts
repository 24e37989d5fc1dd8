/** Reading request bodies and writing JSON responses and Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError, type ApiError } from '../errors.js';

/** Largest request body accepted (the API server's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * How much of a too large body is read and dropped before the 413 goes out. Closing a socket with
 * unread bytes makes the kernel reset it, and the client then sees ECONNRESET instead of the
 * answer (Go's server lingers the same way); past this, the connection is simply cut.
 */
const DISCARD_LIMIT_BYTES = 4 * MAX_BODY_BYTES;

/** The whole request body (bytes: it may be protobuf); 413 past the limit. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DISCARD_LIMIT_BYTES) break;
    if (size > MAX_BODY_BYTES) chunks.length = 0;
    else chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) throw apiError.withCode(413, 'Request entity too large: limit is 3145728');
  return Buffer.concat(chunks);
}

/** Parses a JSON body (undefined when empty); 400 when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw apiError.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

/** Writes a JSON response with optional `Warning` headers. */
export function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-cache, private' };
  if (warnings.length > 0) headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

/** Writes an error's Status. */
export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The rest of a too large body was never read: the connection cannot carry another request
  // (a client reusing it got ECONNRESET), so it closes, as Go's server closes it after MaxBytesReader.
  if (error.status.code === 413) res.setHeader('Connection', 'close');
  sendJson(res, error.status.code, error.status);
}
