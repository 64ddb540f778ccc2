/**
 * API keys: random, shown once, stored only as SHA-256 hashes, revocable, and rotatable
 * with an overlap. An integrator key belongs to an integrator, which owns the receipts.
 */
import type { Db } from './db/client';
import type { Prisma } from './generated/prisma/client';
import { scopeProblem, type Principal, type RoleName } from './domain/scope';
import { newApiKey, sha256 } from './security';

export interface NewKey {
  role: RoleName;
  name: string;
  regions?: string[];
  sectors?: string[];
  organizationCode?: string | null;
  /** An integrator key's integrator, by code: created if new, otherwise the key joins its keys. */
  integrator?: string;
}

/** lastUsedAt is written when it is at least this old, so a busy key costs one write a minute. */
export const LAST_USED_RESOLUTION_MS = 60_000;
export const DEFAULT_OVERLAP_HOURS = 24;

/** What is wrong with an integrator code, if anything. */
export function integratorCodeProblem(code: string): string | null {
  if (code.trim() !== code || code.length === 0) return 'an integrator code must be non-empty, without spaces around it';
  if (code.length > 200) return 'an integrator code is at most 200 characters';
  if ([...code].some((c) => c < ' ' || c === '\u007f')) return 'an integrator code has no control characters';
  return null;
}

function integratorProblem(role: RoleName, integrator: string | undefined): string | null {
  if (role !== 'integrator') return integrator === undefined ? null : 'only an integrator key belongs to an integrator';
  if (integrator === undefined) return 'an integrator key needs --integrator <code>';
  return integratorCodeProblem(integrator);
}

export async function createApiKey(db: Db, spec: NewKey): Promise<{ id: string; key: string }> {
  const scope = { regions: spec.regions ?? [], sectors: spec.sectors ?? [], organizationCode: spec.organizationCode ?? null };
  const problem = scopeProblem(spec.role, scope) ?? integratorProblem(spec.role, spec.integrator);
  if (problem) throw new Error(problem);
  const { key, prefix, hash } = newApiKey();
  const row = await db.$transaction(async (tx) => {
    const integratorId = spec.integrator === undefined ? null : await integratorIdFor(tx, spec.integrator);
    return tx.apiKey.create({ data: { name: spec.name, role: spec.role, ...scope, integratorId, keyHash: hash, prefix } });
  });
  return { id: row.id, key };
}

/** The integrator with this code, created if there is none (safe against a concurrent creation). */
async function integratorIdFor(tx: Prisma.TransactionClient, code: string): Promise<string> {
  await tx.integrator.createMany({ data: [{ code }], skipDuplicates: true });
  return (await tx.integrator.findUniqueOrThrow({ where: { code }, select: { id: true } })).id;
}

export async function listApiKeys(db: Db) {
  return db.apiKey.findMany({
    orderBy: { createdAt: 'asc' },
    select: {
      id: true, name: true, role: true, regions: true, sectors: true, organizationCode: true, prefix: true,
      createdAt: true, revokedAt: true, expiresAt: true, lastUsedAt: true, integrator: { select: { code: true } },
    },
  });
}

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}

/**
 * Issues a new key with the old one's role, name, scope and integrator, and lets the old
 * one work for `overlapHours` more (never longer than it already would), so the client can
 * switch without downtime. Null when there is no working key with this id.
 */
export async function rotateApiKey(
  db: Db,
  id: string,
  options: { overlapHours?: number; now?: Date } = {},
): Promise<{ id: string; key: string; oldExpiresAt: Date } | null> {
  const now = options.now ?? new Date();
  const overlapHours = options.overlapHours ?? DEFAULT_OVERLAP_HOURS;
  if (!Number.isFinite(overlapHours) || overlapHours < 0) throw new Error('the overlap is a non-negative number of hours');
  const until = new Date(now.getTime() + overlapHours * 3_600_000);
  return db.$transaction(async (tx) => {
    const old = await tx.apiKey.findUnique({ where: { id } });
    if (!old || !usable(old, now)) return null;
    const oldExpiresAt = old.expiresAt && old.expiresAt < until ? old.expiresAt : until;
    // Guarded like revoke: a key revoked in the meantime is not brought back.
    const { count } = await tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { expiresAt: oldExpiresAt } });
    if (count !== 1) return null;
    const { key, prefix, hash } = newApiKey();
    const row = await tx.apiKey.create({
      data: {
        name: old.name, role: old.role, regions: old.regions, sectors: old.sectors, organizationCode: old.organizationCode,
        integratorId: old.integratorId, keyHash: hash, prefix,
      },
    });
    return { id: row.id, key, oldExpiresAt };
  });
}

function usable(row: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): boolean {
  return !row.revokedAt && !(row.expiresAt && row.expiresAt <= now);
}

/** The principal of a working key; null for an unknown, revoked or expired one. */
export async function principalForKey(db: Db, key: string, now = new Date()): Promise<Principal | null> {
  const row = await db.apiKey.findUnique({ where: { keyHash: sha256(key) } });
  if (!row || !usable(row, now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await touch(db, row.id, now);
  }
  return principalOfRow(row);
}

type KeyRow = NonNullable<Awaited<ReturnType<Db['apiKey']['findUnique']>>>;

function principalOfRow(row: KeyRow): Principal {
  return {
    keyId: row.id,
    name: row.name,
    role: row.role,
    integratorId: row.integratorId,
    regions: row.regions,
    sectors: row.sectors,
    organizationCode: row.organizationCode,
  };
}

const API_KEY_CACHE_ENTRIES = 10_000;

/**
 * Key look-ups cached per process for a few seconds (by the key's hash; unknown keys too),
 * so a busy integrator costs one query per key every `ttlMs` (API_KEY_CACHE_SECONDS)
 * instead of one a request. Expiry is checked on every use; revocation is seen when the entry is refreshed.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { row: KeyRow | null; fetchedAt: number; touchedAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
  ) {}

  async principal(key: string, now = new Date()): Promise<Principal | null> {
    const check = await this.check(key, now);
    return check.ok ? check.principal : null;
  }

  /** The principal, or why the key does not work (told only to whoever holds the key). */
  async check(key: string, now = new Date()): Promise<{ ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' }> {
    const hash = sha256(key);
    let entry = this.entries.get(hash);
    if (!entry || now.getTime() - entry.fetchedAt >= this.ttlMs) {
      const row = await this.db.apiKey.findUnique({ where: { keyHash: hash } });
      entry = { row, fetchedAt: now.getTime(), touchedAt: row?.lastUsedAt?.getTime() ?? 0 };
      this.entries.delete(hash);
      this.entries.set(hash, entry);
      if (this.entries.size > API_KEY_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    const { row } = entry;
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (!usable(row, now)) return { ok: false, reason: 'expired' };
    if (now.getTime() - entry.touchedAt >= LAST_USED_RESOLUTION_MS) {
      entry.touchedAt = now.getTime();
      await touch(this.db, row.id, now);
    }
    return { ok: true, principal: principalOfRow(row) };
  }
}

/**
 * Records the use. The condition repeats the staleness test so that processes racing on a
 * busy key write once between them; a failure here never fails the request it belongs to.
 */
async function touch(db: Db, id: string, now: Date): Promise<void> {
  const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await db.apiKey
    .updateMany({ where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: stale } }] }, data: { lastUsedAt: now } })
    .catch(() => undefined);
}
