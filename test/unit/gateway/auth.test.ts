import { describe, expect, it } from 'vitest';
import { gatewayKeys } from '../../../lib/cli/commands/gateway.js';
import { BearerAuth } from '../../../lib/gateway/auth.js';
import { GatewayHttpError } from '../../../lib/gateway/errors.js';

function refusal(fn: () => void): GatewayHttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayHttpError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Class: BearerAuth', () => {
  const auth = new BearerAuth(['sk-first', 'sk-second']);

  it('accepts any of its keys, with the scheme in any case', () => {
    expect(() => auth.check({ authorization: 'Bearer sk-first' })).not.toThrow();
    expect(() => auth.check({ authorization: 'bearer sk-second' })).not.toThrow();
  });

  it('answers 401 missing_api_key without a bearer token, and 401 invalid_api_key for a wrong one', () => {
    for (const headers of [{}, { authorization: 'Basic c2stZmlyc3Q=' }, { authorization: 'Bearer' }]) {
      const err = refusal(() => auth.check(headers));
      expect(err.status).toBe(401);
      expect(err.body.error.code).toBe('missing_api_key');
    }
    // A prefix, a longer key and another case are all wrong keys.
    for (const key of ['sk-firs', 'sk-first2', 'SK-FIRST']) {
      const err = refusal(() => auth.check({ authorization: `Bearer ${key}` }));
      expect([err.status, err.body.error.code]).toEqual([401, 'invalid_api_key']);
    }
    const wrong = refusal(() => auth.check({ authorization: 'Bearer sk-third' }));
    expect(wrong.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(JSON.stringify(wrong.body)).not.toContain('sk-');
  });

  it('refuses to be built without a key', () => {
    expect(() => new BearerAuth([])).toThrow(/at least one/);
    expect(() => new BearerAuth([''])).toThrow(/at least one/);
  });
});

describe('Function: gatewayKeys', () => {
  it('reads comma-separated keys from the named variable, and nothing when no variable is named', () => {
    expect(gatewayKeys('GW_KEYS', { GW_KEYS: ' sk-a , sk-b,' })).toEqual(['sk-a', 'sk-b']);
    expect(gatewayKeys(undefined, { GW_KEYS: 'sk-a' })).toBeUndefined();
  });

  it('fails, naming the variable, when it is empty or missing', () => {
    expect(() => gatewayKeys('GW_KEYS', {})).toThrow(/GW_KEYS/);
    expect(() => gatewayKeys('GW_KEYS', { GW_KEYS: ' , ' })).toThrow(/empty or not set/);
  });
});
