/** API keys: random, shown once, stored only as SHA-256 hashes, revocable. */
import type { Db } from './db/client';
import { scopeProblem, type Principal, type RoleName } from './domain/scope';
import { newApiKey, sha256 } from './security';

export interface NewKey {
  role: RoleName;
  name: string;
  regions?: string[];
  sectors?: string[];
  organizationCode?: string | null;
}

export async function createApiKey(db: Db, spec: NewKey): Promise<{ id: string; key: string }> {
  const scope = { regions: spec.regions ?? [], sectors: spec.sectors ?? [], organizationCode: spec.organizationCode ?? null };
  const problem = scopeProblem(spec.role, scope);
  if (problem) throw new Error(problem);
  const { key, prefix, hash } = newApiKey();
  const row = await db.apiKey.create({
    data: { name: spec.name, role: spec.role, ...scope, keyHash: hash, prefix },
  });
  return { id: row.id, key };
}

export async function listApiKeys(db: Db) {
  return db.apiKey.findMany({
    orderBy: { createdAt: 'asc' },
    select: { id: true, name: true, role: true, regions: true, sectors: true, organizationCode: true, prefix: true, createdAt: true, revokedAt: true },
  });
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}

export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  const row = await db.apiKey.findUnique({ where: { keyHash: sha256(key) } });
  if (!row || row.revokedAt) return null;
  return {
    keyId: row.id,
    name: row.name,
    role: row.role,
    regions: row.regions,
    sectors: row.sectors,
    organizationCode: row.organizationCode,
  };
}
