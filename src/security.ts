/**
 * Hashing and secrets. SNILS are kept only as keyed hashes; questionnaire tokens and API
 * keys only as hashes. Tokens are derived from a per-link random nonce with a server key,
 * so the database alone cannot rebuild a link, yet a retried e-mail carries the same link.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class Secrets {
  private readonly tokenKey: Buffer;

  constructor(private readonly piiHashKey: string) {
    this.tokenKey = createHmac('sha256', piiHashKey).update('questionnaire-token/v1').digest();
  }

  /** Keyed hash of a normalised (bare 11-digit) SNILS. */
  snilsHash(snils: string): string {
    return createHmac('sha256', this.piiHashKey).update(`snils:${snils}`).digest('hex');
  }

  /** Keyed hash of a canonical receipt body: tells a replay from a conflicting post. */
  bodyHash(canonicalBody: string): string {
    return createHmac('sha256', this.piiHashKey).update(`receipt:${canonicalBody}`).digest('hex');
  }

  /** 128 random bits that, with the server key, make a link's token. */
  static newTokenNonce(): string {
    return randomBytes(16).toString('base64url');
  }

  /** The token in a link: HMAC of the nonce (256 bits, URL-safe). */
  token(nonce: string): string {
    return createHmac('sha256', this.tokenKey).update(nonce).digest('base64url');
  }
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** How a token is looked up at rest. */
export const tokenHash = sha256;

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `sfk_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: sha256(key) };
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
