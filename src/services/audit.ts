/**
 * The audit of administrators' actions (issue: "everything an administrator does is
 * recorded and listable"): who (a participant, an API key or the command line, by id and
 * label), what, on what, when, and details that never hold personal data.
 */
import type { Db } from '../db/client';
import type { Principal } from '../domain/scope';
import type { Prisma } from '../generated/prisma/client';

/** Who did something an audit event records: a participant, a key or the command line, by id and label. */
export interface Actor {
  id: string;
  label: string;
}

/** The actor of a principal: a participant's (`participant:<id>`) or an API key's (`key:<id>`). */
export function actorOf(p: Principal): Actor {
  return { id: p.keyId.startsWith('participant:') ? p.keyId : `key:${p.keyId}`, label: p.name };
}

export async function audit(tx: Prisma.TransactionClient | Db, actor: Actor, action: string, target: string | null, detail: Prisma.InputJsonObject): Promise<void> {
  await tx.auditEvent.create({ data: { actor: `${actor.id} (${actor.label})`, action, target, detail } });
}

export function listAudit(db: Db, limit = 200) {
  return db.auditEvent.findMany({ orderBy: { id: 'desc' }, take: limit });
}
