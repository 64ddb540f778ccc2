/**
 * A real OpenID Connect provider (`oidc-provider`) for `npm start` and the tests: the
 * stand-in for ЕСИА or an agency's identity provider, so that the cabinet signs people in
 * through real redirects, codes, PKCE and ID tokens exactly as it will in production.
 *
 * It knows the demo people only (a federal body, region 42, one organisation, an
 * administrator), each with the password `demo`, on a Russian sign-in page of its own.
 * Development only: in-memory storage, a signing key made at each start (sign-ins do not
 * survive a restart of the provider; the cabinet's own sessions do).
 */
import { generateKeyPairSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { html, raw, type SafeHtml } from '../web/html';

export interface DemoPerson {
  /** The provider's subject, also the login typed on the sign-in page. */
  subject: string;
  name: string;
  email: string;
}

export interface LocalOidcProviderOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  people: DemoPerson[];
  password?: string;
}

export interface LocalOidcProvider {
  issuer: string;
  close(): Promise<void>;
}

export const DEMO_PASSWORD = 'demo';

/* The slice of oidc-provider's API used here (the package ships no types). */
interface OidcInteraction {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}
interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: { new (init: { accountId: string; clientId: string }): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
}
interface OidcContext {
  oidc: { client: { clientId: string }; session: { accountId?: string; grantIdFor(clientId: string): string | undefined }; result?: { consent?: { grantId?: string } }; provider: OidcProvider };
  host: string;
  body: string;
  type: string;
}

export async function startLocalOidcProvider(options: LocalOidcProviderOptions): Promise<LocalOidcProvider> {
  const { default: Provider } = (await import('oidc-provider')) as unknown as { default: new (issuer: string, config: object) => OidcProvider };
  const host = options.host ?? '127.0.0.1';
  const password = options.password ?? DEMO_PASSWORD;
  const people = new Map(options.people.map((p) => [p.subject, p]));

  // The port must be known before the issuer URL is, so listen first, then attach the handler.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        client_name: 'Оценка качества услуг: личный кабинет участника',
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomUUID(), randomUUID()] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx: unknown, id: string) => {
      const person = people.get(id);
      return person && { accountId: id, claims: async () => ({ sub: id, name: person.name, email: person.email, email_verified: true }) };
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // The cabinet is this provider's only client, a first party: no consent screen.
    loadExistingGrant: async (ctx: OidcContext) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!ctx.oidc.session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId: ctx.oidc.session.accountId, clientId: ctx.oidc.client.clientId });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
    renderError: async (ctx: OidcContext, out: { error?: string }) => {
      ctx.type = 'html';
      ctx.body = providerPage('Ошибка входа', html`<h1>Войти не удалось</h1><p>Код ошибки: ${out.error ?? 'unknown'}. Вернитесь в личный кабинет и попробуйте ещё раз.</p>`);
    },
  });
  const oidcCallback = provider.callback();

  handler = (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec((req.url ?? '').split('?')[0]);
    if (!match) return oidcCallback(req, res);
    void interaction(req, res, match[2] === '/login').catch(() => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(providerPage('Ошибка входа', html`<h1>Сеанс входа устарел</h1><p>Вернитесь в личный кабинет и войдите снова.</p>`));
    });
  };

  async function interaction(req: IncomingMessage, res: ServerResponse, submitted: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login') {
      // Consent is granted by loadExistingGrant; anything else ends the interaction unfinished.
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unsupported prompt' }, { mergeWithLastSubmission: false });
    }
    if (!submitted || req.method !== 'POST') return sendLogin(res, details.uid, null);
    const form = new URLSearchParams(await readBody(req));
    const login = form.get('login') ?? '';
    if (people.has(login) && sameText(form.get('password') ?? '', password)) {
      return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    }
    return sendLogin(res, details.uid, 'Неверный логин или пароль.');
  }

  function sendLogin(res: ServerResponse, uid: string, error: string | null): void {
    const logins = [...people.values()];
    const body = html`
      <h1>Вход для участников эксперимента</h1>
      <p>Демонстрационный поставщик удостоверений (вместо ЕСИА). Пароль каждого демонстрационного участника: <code>${password}</code>.</p>
      ${error && html`<p class="error" role="alert" id="login-error">${error}</p>`}
      <form method="post" action="/interaction/${uid}/login">
        <label for="login">Логин</label>
        <select id="login" name="login" autocomplete="username">
          ${logins.map((p) => html`<option value="${p.subject}">${p.subject}: ${p.name}</option>`)}
        </select>
        <label for="password">Пароль</label>
        <input id="password" name="password" type="password" required autocomplete="current-password" ${error ? html`aria-describedby="login-error" aria-invalid="true"` : ''}>
        <button type="submit">Войти</button>
      </form>`;
    res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(providerPage('Вход', body));
  }

  return {
    issuer,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function logoutSource(ctx: OidcContext, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = providerPage('Выход', html`<h1>Выйти из демонстрационного поставщика удостоверений?</h1>
    ${rawForm(form)}
    <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Выйти</button>
    <button type="submit" form="op.logoutForm">Остаться</button>`);
}

async function postLogoutSuccessSource(ctx: OidcContext): Promise<void> {
  ctx.type = 'html';
  ctx.body = providerPage('Выход', html`<h1>Вы вышли</h1><p>Вход в личный кабинет снова потребует пароля.</p>`);
}

/** oidc-provider's own hidden logout form: its markup, with the xsrf value it generated. */
function rawForm(form: string): SafeHtml {
  return raw(form);
}

function providerPage(title: string, body: SafeHtml): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}: демонстрационный вход</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}label{display:block;margin-top:1rem;font-weight:600}select,input,button{font:inherit;padding:.5rem;margin-top:.25rem;width:100%;box-sizing:border-box}button{margin-top:1rem;background:#0b4f9c;color:#fff;border:0;cursor:pointer}.error{color:#a00000;font-weight:600}code{background:#eee;padding:0 .25rem}</style>
</head><body><main>${body.toString()}</main></body></html>`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
