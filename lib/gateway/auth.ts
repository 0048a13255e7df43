import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayHttpError } from './errors.js';

/**
 * Bearer-token check for the gateway, as OpenAI's API does it: `Authorization: Bearer <key>`.
 * Keys are compared as SHA-256 digests in constant time, so neither a key's length nor its prefix
 * leaks through timing. Keys are never logged or echoed.
 */
export class BearerAuth {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    const usable = keys.filter((k) => k.length > 0);
    if (usable.length === 0) throw new Error('BearerAuth needs at least one non-empty key');
    this.digests = usable.map(digest);
  }

  /** Throws a 401 `GatewayHttpError` unless the headers carry one of the keys. */
  check(headers: IncomingHttpHeaders): void {
    const header = headers.authorization;
    const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!match) {
      throw new GatewayHttpError(401, 'invalid_request_error', 'missing_api_key', 'You did not provide an API key: send it as "Authorization: Bearer <key>".');
    }
    const given = digest(match[1]!);
    // Every key is compared, so the time taken does not depend on which (if any) matched.
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(d, given) || ok;
    if (!ok) throw new GatewayHttpError(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.');
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
