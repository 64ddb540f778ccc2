/**
 * Participants of the personal account: registered by an administrator with a role and a
 * scope (as API keys are), signed in through the identity provider. A participant is found
 * by the provider's subject; one registered by e-mail only is bound to the subject of its
 * first sign-in, so an administrator can register a person before they ever sign in.
 */
import type { Db } from '../db/client';
import { scopeProblem, type Principal, type RoleName } from '../domain/scope';
import type { Prisma } from '../generated/prisma/client';
import { audit, type Actor } from '../services/audit';

export interface NewParticipant {
  name: string;
  /** Never an integrator or the portal: those are systems, with API keys. */
  role: Exclude<RoleName, 'integrator' | 'portal'>;
  subject?: string | null;
  email?: string | null;
  regions?: string[];
  sectors?: string[];
  organizationCode?: string | null;
}


/** What the identity provider asserted about the person signing in. */
export interface SignedInIdentity {
  subject: string;
  email?: string | null;
  emailVerified?: boolean;
}

export function participantProblem(spec: NewParticipant): string | null {
  if (!spec.name.trim()) return 'a participant needs a name';
  if ((spec.role as RoleName) === 'integrator' || (spec.role as RoleName) === 'portal') return 'integrators and the portal are systems: give them API keys';
  if (!spec.subject && !spec.email) return 'a participant needs --subject or --email (as the identity provider knows them)';
  if (spec.email && !/^[^\s@]+@[^\s@]+$/.test(spec.email)) return 'the e-mail is not an address';
  return scopeProblem(spec.role, { regions: spec.regions ?? [], sectors: spec.sectors ?? [], organizationCode: spec.organizationCode ?? null });
}

export async function createParticipant(db: Db, spec: NewParticipant, actor: Actor): Promise<{ id: string }> {
  const problem = participantProblem(spec);
  if (problem) throw new Error(problem);
  return db.$transaction(async (tx) => {
    const row = await tx.participant.create({
      data: {
        name: spec.name.trim(),
        role: spec.role,
        subject: spec.subject ?? null,
        email: spec.email?.toLowerCase() ?? null,
        regions: spec.regions ?? [],
        sectors: spec.sectors ?? [],
        organizationCode: spec.organizationCode ?? null,
      },
    });
    await audit(tx, actor, 'participant.create', `participant:${row.id}`, { role: spec.role, regions: row.regions, sectors: row.sectors, organizationCode: row.organizationCode });
    return { id: row.id };
  });
}

export async function deactivateParticipant(db: Db, id: string, actor: Actor): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.participant.updateMany({ where: { id, deactivatedAt: null }, data: { deactivatedAt: new Date() } });
    if (count > 0) await audit(tx, actor, 'participant.deactivate', `participant:${id}`, {});
    return count > 0;
  });
}

export function listParticipants(db: Db) {
  return db.participant.findMany({ orderBy: { createdAt: 'asc' } });
}

/**
 * The principal of a person the provider has just signed in, or null when no active
 * participant matches. Matched by subject; otherwise by a verified e-mail of a participant
 * that has no subject yet, which then takes this subject for good.
 */
export async function signIn(db: Db, who: SignedInIdentity): Promise<Principal | null> {
  const now = new Date();
  const bySubject = await db.participant.findUnique({ where: { subject: who.subject } });
  let row = bySubject;
  if (!row && who.email && who.emailVerified) {
    const email = who.email.toLowerCase();
    const { count } = await db.participant.updateMany({ where: { email, subject: null, deactivatedAt: null }, data: { subject: who.subject } });
    if (count > 0) row = await db.participant.findUnique({ where: { subject: who.subject } });
  }
  if (!row || row.deactivatedAt) return null;
  await db.participant.update({ where: { id: row.id }, data: { lastSignInAt: now } });
  return participantPrincipal(row);
}

/** The principal of a signed-in participant, read again on every request (a deactivation takes effect at once). */
export async function participantById(db: Db, id: string): Promise<Principal | null> {
  const row = await db.participant.findUnique({ where: { id } });
  return row && !row.deactivatedAt ? participantPrincipal(row) : null;
}

type ParticipantRow = Prisma.ParticipantGetPayload<object>;

function participantPrincipal(row: ParticipantRow): Principal {
  return {
    keyId: `participant:${row.id}`,
    name: row.name,
    role: row.role,
    integratorId: null,
    regions: row.regions,
    sectors: row.sectors,
    organizationCode: row.organizationCode,
  };
}


/** The organisation of the demo head of organisation (the README's walk-through registers the same one). */
export const DEMO_ORGANIZATION = { code: '1024200000001', name: 'ГБУЗ «Городская больница № 1»', typeCode: 'healthcare', regionCode: '42', founderLevel: 'regional' as const };

/** The demo participants of `npm start`'s local OpenID provider: subject, name, role and scope. */
export const DEMO_PARTICIPANTS: (NewParticipant & { subject: string; email: string })[] = [
  { subject: 'demo-federal', email: 'federal@demo.test', name: 'Минтруд России (демо)', role: 'federal' },
  { subject: 'demo-region-42', email: 'region42@demo.test', name: 'Правительство Кемеровской области (демо)', role: 'region', regions: ['42'] },
  { subject: 'demo-organization', email: 'head@demo.test', name: 'Главный врач (демо)', role: 'organization', organizationCode: DEMO_ORGANIZATION.code },
  { subject: 'demo-admin', email: 'admin@demo.test', name: 'Администратор (демо)', role: 'admin' },
];

/** Registers the demo participants (and the demo organisation) if missing; a development database only. */
export async function ensureDemoParticipants(db: Db): Promise<void> {
  await db.organization.upsert({ where: { code: DEMO_ORGANIZATION.code }, create: DEMO_ORGANIZATION, update: {} });
  for (const p of DEMO_PARTICIPANTS) {
    if (await db.participant.findUnique({ where: { subject: p.subject } })) continue;
    await createParticipant(db, p, { id: 'npm-start', label: 'demo set-up' }).catch(async (err: { code?: string }) => {
      if (err.code !== 'P2002') throw err; // a concurrent start made it
    });
  }
}
