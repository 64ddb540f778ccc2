// oidc-provider ships no types; src/embedded/oidc-provider.ts declares the slice it uses.
declare module 'oidc-provider';
