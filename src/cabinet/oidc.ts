/**
 * Sign-in through OpenID Connect (`openid-client`): the authorization code flow with PKCE,
 * `state` and `nonce`, the ID token checked by the library (issuer, audience, signature,
 * expiry, nonce). Discovery happens on the first sign-in and is retried on the next one if
 * the provider was not reachable, so the API starts even while the provider is down.
 */
import type * as OidcClient from 'openid-client';
import { isLoopbackHost } from '../config';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The cabinet's callback, registered at the provider. */
  redirectUri: string;
  /** Where the provider sends the browser after signing out. */
  postLogoutRedirectUri: string;
}

/** What the cabinet keeps between the redirect to the provider and its answer. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

export interface SignedIn {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  idToken: string;
}

export class OidcSignIn {
  private configuration: Promise<OidcClient.Configuration> | null = null;

  constructor(private readonly settings: OidcSettings) {}

  /** The provider's authorization URL and what must be kept to finish the sign-in. */
  async start(): Promise<{ url: string; pending: PendingSignIn }> {
    const client = await openidClient();
    const config = await this.config();
    const pending = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the code of the provider's redirect (`callbackUrl`, with its query) for a checked identity. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<SignedIn> {
    const client = await openidClient();
    const tokens = await client.authorizationCodeGrant(await this.config(), callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('the provider returned no ID token');
    return {
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email : null,
      emailVerified: claims.email_verified === true,
      idToken: tokens.id_token,
    };
  }

  /** The provider's sign-out URL, or null when it has none (then only the cabinet's session ends). */
  async endSessionUrl(idToken: string | undefined): Promise<string | null> {
    const client = await openidClient();
    const config = await this.config().catch(() => null);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: this.settings.postLogoutRedirectUri,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).href;
  }

  private config(): Promise<OidcClient.Configuration> {
    this.configuration ??= (async () => {
      const client = await openidClient();
      const issuer = new URL(this.settings.issuer);
      // Plain http only for a provider on this machine (the local demo provider).
      const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
      return client.discovery(
        issuer,
        this.settings.clientId,
        { client_secret: this.settings.clientSecret },
        client.ClientSecretBasic(this.settings.clientSecret),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
    })();
    this.configuration.catch(() => {
      this.configuration = null;
    });
    return this.configuration;
  }
}

/** openid-client is an ES module: loaded when the first sign-in needs it (Node ≥ 20.19 requires it). */
function openidClient(): Promise<typeof OidcClient> {
  return import('openid-client');
}
