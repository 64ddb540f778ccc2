/** Reading a request in the fake providers (test/helpers/fake-resend.ts, fake-portal.ts). */
import type { IncomingMessage } from 'node:http';

/** A single-valued header, or null. */
export function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/** The body as JSON, or undefined when it is not JSON (the fake then answers as the provider would). */
export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The whole body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
