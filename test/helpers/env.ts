// Test-wide configuration defaults; a variable already set (e.g. by CI) wins.
process.env.PII_HASH_KEY ??= 'test-pii-hash-key-0123456789abcdef0123456789';
process.env.NODE_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'silent';
// Key look-ups uncached, so a test sees a revocation at once; test/api/key-cache.test.ts covers the cache.
process.env.API_KEY_CACHE_SECONDS ??= '0';
