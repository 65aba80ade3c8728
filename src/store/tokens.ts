import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * High-entropy bearer tokens (agent keys, read tokens): 256 random bits, shown once, stored as
 * sha256 hex. A fast hash is right for random tokens (see secrets.ts for the reasoning).
 */
export const TOKEN_PREFIX_LENGTH = 8;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
