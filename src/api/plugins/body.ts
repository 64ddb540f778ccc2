/**
 * Request bodies: JSON and HTML forms, read as bytes and decoded by `decodeUtf8`, so bytes
 * that are not UTF-8 reach validation as characters `ZText` refuses, at the field they
 * were sent in, instead of turning silently into U+FFFD (Node's default). JSON keeps
 * Fastify's own parser behind it, which refuses `__proto__` and `constructor.prototype`.
 */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decodeUtf8 } from '../../domain/text';

/** Form posts are small (the questionnaire page's is at most a few kilobytes). */
const FORM_BODY_LIMIT = 64 * 1024;

export default fp(
  async (app) => {
    const json = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
      // Fastify's own parser answers through `done` and returns nothing; its type also admits
      // promise-returning parsers, hence the `void`.
      void json(request, decodeUtf8(body), done);
    });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: FORM_BODY_LIMIT }, (_request, body: Buffer, done) => {
      done(null, parseForm(body));
    });
  },
  { name: 'body' },
);

/**
 * `application/x-www-form-urlencoded` (WHATWG URL §5.1): `+` is a space, `%XX` a byte,
 * anything else itself; the bytes of each name and value are then decoded as UTF-8. A name
 * sent more than once gives a list. `__proto__` is not a field of any form here: dropped.
 */
export function parseForm(body: Uint8Array): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = Object.create(null);
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x26 /* & */, start);
    if (end === -1) end = body.length;
    if (end > start) {
      const pair = body.subarray(start, end);
      const eq = pair.indexOf(0x3d /* = */);
      const name = percentDecode(eq === -1 ? pair : pair.subarray(0, eq));
      const value = eq === -1 ? '' : percentDecode(pair.subarray(eq + 1));
      if (name !== '__proto__') {
        const previous = form[name];
        if (previous === undefined) form[name] = value;
        else if (Array.isArray(previous)) previous.push(value);
        else form[name] = [previous, value];
      }
    }
    start = end + 1;
  }
  return form;
}

function percentDecode(bytes: Uint8Array): string {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const hi = i + 2 < bytes.length ? hexValue(bytes[i + 1]) : -1;
    const lo = hi === -1 ? -1 : hexValue(bytes[i + 2]);
    if (b === 0x25 /* % */ && lo !== -1) {
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = b === 0x2b /* + */ ? 0x20 : b;
    }
  }
  return decodeUtf8(out.subarray(0, n));
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}
