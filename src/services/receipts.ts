/**
 * Receipt ingestion, set-based: a batch (a single post is a batch of one) is validated in
 * memory, its organisations looked up with one query (with their sector and whether their
 * region takes part with their type), stored with one statement (receipts, their persons
 * and invitations together, so nothing is half-stored; an externalId used before is
 * skipped by it and looked up after), its workflows started a bounded number at a time,
 * and the started ones marked with one update: three round trips for a new receipt. The database's
 * unique key (integratorId, externalId) is the durable guard against duplicates, also
 * between concurrent posts; the workflow id derived from the receipt id makes a repeated
 * start harmless; the reconciler starts any workflow a crash or an outage left unstarted.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import type { Prisma } from '../generated/prisma/client';
import type { FieldError } from '../domain/field-errors';
import { ZReceiptInput, canonicalReceipt, checkReceipt, type CheckedReceipt, type TReceiptInput } from '../domain/receipt';
import { fieldErrors } from '../domain/field-errors';
import { inScope, type Principal } from '../domain/scope';
import { mapBounded } from '../map-bounded';
import type { Secrets } from '../security';
import { invitationWorkflowId } from '../temporal/shared';
import type { InvitationGateway, ReceiptForWorkflow } from '../temporal/invitations';
import { receiptView, RECEIPT_VIEW_INCLUDE, type ReceiptView } from './receipt-view';

export type IngestOutcome =
  | { kind: 'accepted'; receipt: ReceiptView }
  | { kind: 'duplicate'; receipt: ReceiptView }
  | { kind: 'conflict'; errors: FieldError[] }
  | { kind: 'forbidden'; errors: FieldError[] }
  | { kind: 'invalid'; errors: FieldError[] };

/**
 * Workflow starts in flight at once: a batch's, and the reconciler's while it drains a
 * backlog. A start waits in Temporal's queue for about (starts in flight) ÷ (starts Temporal
 * takes a second), and one that outlasts the gateway's deadline (TEMPORAL_CALL_DEADLINE_MS)
 * counts as Temporal unreachable: 16 keeps a saturated dev server on this machine (80–180
 * starts/s) under it, and is still enough to saturate it.
 */
export const START_CONCURRENCY = 16;

export interface ReceiptServiceDeps {
  db: Db;
  secrets: Secrets;
  invitations: InvitationGateway;
  log: { warn(obj: object, msg: string): void };
  now?: () => Date;
}

type StoredReceipt = Prisma.ReceiptGetPayload<{ include: typeof RECEIPT_VIEW_INCLUDE }>;
type Organization = {
  id: string;
  code: string;
  regionCode: string;
  typeCode: string;
  type: { sector: string };
  deactivatedAt: Date | null;
  /** The organisation's region takes part with its type. */
  takesPart: boolean;
};

/** An item that passed every check and is new: what will be stored. */
interface NewReceipt {
  id: string;
  input: TReceiptInput;
  value: CheckedReceipt;
  bodyHash: string;
  org: Organization;
}

const DEACTIVATED: IngestOutcome = {
  kind: 'invalid',
  errors: [{ path: 'organization', code: 'organization_deactivated', message: 'the organization takes no new receipts' }],
};

const CONFLICT: IngestOutcome = {
  kind: 'conflict',
  errors: [{ path: 'externalId', code: 'external_id_conflict', message: 'already used for a different receipt' }],
};

export class ReceiptService {
  private readonly now: () => Date;

  constructor(private readonly deps: ReceiptServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async ingest(principal: Principal, body: unknown): Promise<IngestOutcome> {
    const [outcome] = await this.ingestMany(principal, [body]);
    return outcome;
  }

  /**
   * Each item succeeds or fails on its own; the outcomes come in the items' order. Within
   * one call, the first valid item with an externalId claims it: a later item with the same
   * content is its duplicate, one with other content a conflict, as if posted one by one.
   */
  async ingestMany(principal: Principal, bodies: readonly unknown[]): Promise<IngestOutcome[]> {
    const { secrets } = this.deps;
    // Receipts belong to the integrator, not to the key: every key of one integrator sees
    // the same receipts and externalIds, and keys of two integrators never do.
    const { integratorId } = principal;
    if (!integratorId) throw new Error(`key ${principal.keyId} (${principal.role}) belongs to no integrator and cannot post receipts`);
    const receivedAt = this.now();
    const outcomes = new Array<IngestOutcome>(bodies.length);

    // In memory: the shape, the rules of a receipt, the body's hash.
    const valid: { index: number; input: TReceiptInput; value: CheckedReceipt }[] = [];
    bodies.forEach((body, index) => {
      const parsed = ZReceiptInput.safeParse(body);
      if (!parsed.success) return void (outcomes[index] = { kind: 'invalid', errors: fieldErrors(parsed.error.issues) });
      const checked = checkReceipt(parsed.data, receivedAt);
      if (!checked.ok) return void (outcomes[index] = { kind: 'invalid', errors: checked.errors });
      valid.push({ index, input: parsed.data, value: checked.value });
    });
    if (valid.length === 0) return outcomes;

    // One query for the whole batch: each organisation, its sector, and whether its region
    // takes part with its type.
    const orgs = await this.organizations(unique(valid.map((v) => v.input.organization)));
    const placed: (NewReceipt & { index: number })[] = [];
    for (const { index, input, value } of valid) {
      const org = orgs.get(input.organization);
      const refused = org ? this.refusal(principal, org) : unknownOrganization();
      if (refused) outcomes[index] = refused;
      else placed.push({ index, id: randomUUID(), input, value, bodyHash: secrets.bodyHash(canonicalReceipt(input)), org: org! });
    }
    if (placed.length === 0) return outcomes;
    // The externalIds already used are found by the insert itself (it skips them); only a
    // deactivated organisation's items are looked up first: a replay of a receipt stored
    // before the deactivation still answers as one.
    const refusedNew = placed.filter((p) => p.org.deactivatedAt);
    const existing = refusedNew.length > 0 ? await this.findExisting(integratorId, unique(refusedNew.map((p) => p.input.externalId))) : new Map<string, StoredReceipt>();

    // New (for the insert to decide), or a replay of one stored before a deactivation, or
    // refused; within the call, the first item of an externalId leads the others.
    const claimed = new Map<string, NewReceipt & { index: number }>();
    const followers: { index: number; leader: number }[] = [];
    const toStart = new Map<string, ReceiptForWorkflow>();
    for (const item of placed) {
      const { externalId } = item.input;
      const leader = claimed.get(externalId);
      if (item.org.deactivatedAt) {
        const stored = existing.get(externalId);
        outcomes[item.index] = stored ? this.replay(stored, item.bodyHash, toStart) : DEACTIVATED;
      } else if (leader) {
        if (leader.bodyHash === item.bodyHash) followers.push({ index: item.index, leader: leader.index });
        else outcomes[item.index] = CONFLICT;
      } else {
        claimed.set(externalId, item);
      }
    }

    // One statement stores them all; an externalId used before (or taken meanwhile by a
    // concurrent post) is skipped by it and answered as a replay of what is stored under it.
    const fresh = [...claimed.values()];
    const inserted = await this.insert(integratorId, receivedAt, fresh);
    const lost = fresh.filter((r) => !inserted.has(r.id));
    const winners = lost.length > 0 ? await this.findExisting(integratorId, lost.map((r) => r.input.externalId)) : new Map<string, StoredReceipt>();
    for (const r of fresh) {
      if (inserted.has(r.id)) {
        outcomes[r.index] = { kind: 'accepted', receipt: receiptView(newView(r, receivedAt)) };
        toStart.set(r.id, { id: r.id, receivedAt, serviceKind: r.input.service.kind, serviceEnd: endOf(r.value), organization: r.org });
      } else {
        const winner = winners.get(r.input.externalId);
        // Not stored and nothing under its externalId: impossible short of a deletion in between.
        if (!winner) throw new Error(`receipt ${r.id} was neither stored nor found under its externalId`);
        outcomes[r.index] = this.replay(winner, r.bodyHash, toStart);
      }
    }
    for (const { index, leader } of followers) {
      const first = outcomes[leader];
      outcomes[index] = first.kind === 'accepted' ? { kind: 'duplicate', receipt: first.receipt } : first;
    }

    await this.ensureWorkflows([...toStart.values()]);
    return outcomes;
  }

  /** The organisations with these codes, by code, in one query. */
  private async organizations(codes: string[]): Promise<Map<string, Organization>> {
    const rows = await this.deps.db.$queryRaw<(Omit<Organization, 'type'> & { sector: string })[]>`
      SELECT o.id::text AS id, o.code, o.region_code AS "regionCode", o.type_code AS "typeCode", o.deactivated_at AS "deactivatedAt", t.sector,
             EXISTS (SELECT 1 FROM region_organization_type r WHERE r.region_code = o.region_code AND r.type_code = o.type_code) AS "takesPart"
      FROM organization o JOIN organization_type t ON t.code = o.type_code
      WHERE o.code = ANY(${codes}::text[])`;
    return new Map(rows.map(({ sector, ...o }) => [o.code, { ...o, type: { sector } }]));
  }

  /** Why a valid receipt for this organisation is refused, if it is. */
  private refusal(principal: Principal, org: Organization): IngestOutcome | null {
    if (!inScope(principal, { code: org.code, regionCode: org.regionCode, sector: org.type.sector })) {
      return { kind: 'forbidden', errors: [{ path: 'organization', code: 'organization_out_of_scope', message: 'organization is outside this key\'s scope' }] };
    }
    if (!org.takesPart) {
      return {
        kind: 'invalid',
        errors: [{ path: 'organization', code: 'organization_type_not_in_region', message: `organization type ${org.typeCode} does not take part in region ${org.regionCode}` }],
      };
    }
    return null;
  }

  private async findExisting(integratorId: string, externalIds: string[]): Promise<Map<string, StoredReceipt>> {
    const rows = await this.deps.db.receipt.findMany({ where: { integratorId, externalId: { in: externalIds } }, include: RECEIPT_VIEW_INCLUDE });
    return new Map(rows.map((r) => [r.externalId, r]));
  }

  /** A stored receipt posted again: the same content is a duplicate (its workflow ensured), other content a conflict. */
  private replay(stored: StoredReceipt, bodyHash: string, toStart: Map<string, ReceiptForWorkflow>): IngestOutcome {
    if (stored.bodyHash !== bodyHash) return CONFLICT;
    if (!stored.workflowStartedAt) toStart.set(stored.id, stored);
    return { kind: 'duplicate', receipt: receiptView(stored) };
  }

  /** Receipts, persons and invitations in one statement; returns the ids it stored. */
  private async insert(integratorId: string, receivedAt: Date, rows: NewReceipt[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const persons = rows.flatMap((r) =>
      r.value.snils.map((p, position) => ({ receiptId: r.id, position, role: p.role, snilsHash: this.deps.secrets.snilsHash(p.snils) })),
    );
    const stored = await this.deps.db.$queryRaw<{ id: string }[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.input.externalId)}::text[], ${rows.map((r) => r.bodyHash)}::text[],
          ${rows.map((r) => r.org.id)}::uuid[], ${rows.map((r) => r.input.service.kind)}::text[], ${rows.map((r) => r.value.serviceDate)}::date[],
          ${rows.map((r) => r.value.serviceEnd ?? null)}::date[], ${rows.map((r) => r.value.minor)}::boolean[], ${rows.map((r) => r.value.late)}::boolean[]
        ) AS t(id, external_id, body_hash, organization_id, service_kind, service_date, service_end, minor, late)
      ),
      stored AS (
        INSERT INTO receipt (id, integrator_id, external_id, body_hash, organization_id, service_kind, service_date, service_end, minor, late, received_at)
        SELECT id, ${integratorId}::uuid, external_id, body_hash, organization_id, service_kind::service_kind, service_date, service_end, minor, late, ${receivedAt}::timestamptz
        FROM input
        ON CONFLICT (integrator_id, external_id) DO NOTHING
        RETURNING id
      ),
      persons AS (
        INSERT INTO receipt_person (receipt_id, position, role, snils_hash)
        SELECT p.receipt_id, p.position, p.role::person_role, p.snils_hash
        FROM unnest(${persons.map((p) => p.receiptId)}::uuid[], ${persons.map((p) => p.position)}::int[],
                    ${persons.map((p) => p.role)}::text[], ${persons.map((p) => p.snilsHash)}::text[]) AS p(receipt_id, position, role, snils_hash)
        JOIN stored ON stored.id = p.receipt_id
      ),
      invitations AS (
        INSERT INTO invitation (id, receipt_id, updated_at) SELECT gen_random_uuid(), id, ${receivedAt}::timestamptz FROM stored
      )
      SELECT id::text FROM stored`;
    return new Set(stored.map((s) => s.id));
  }

  /**
   * Starts the workflows (START_CONCURRENCY at a time) and marks the started ones with one
   * update; returns how many started. If Temporal is unreachable the receipts are still
   * safely stored: the reconciler starts their workflows later.
   */
  async ensureWorkflows(receipts: ReceiptForWorkflow[], options: { deadlineMs?: number } = {}): Promise<number> {
    const failures = new Map<string, { count: number; workflowId: string }>();
    const started = await mapBounded(receipts, START_CONCURRENCY, async (receipt) => {
      try {
        await this.deps.invitations.start(receipt, options);
        return receipt.id;
      } catch (err) {
        const error = (err as Error).message;
        const seen = failures.get(error);
        if (seen) seen.count++;
        else failures.set(error, { count: 1, workflowId: invitationWorkflowId(receipt.id) });
        return null;
      }
    });
    // One line per call and reason, not one per receipt: an outage amid a backlog is one event.
    for (const [error, { count, workflowId }] of failures) {
      this.deps.log.warn({ failed: count, of: receipts.length, workflowId, error }, 'workflow starts failed; the reconciler will retry');
    }
    const ids = started.filter((id): id is string => id !== null);
    if (ids.length > 0) {
      await this.deps.db.receipt.updateMany({ where: { id: { in: ids }, workflowStartedAt: null }, data: { workflowStartedAt: new Date() } });
    }
    return ids.length;
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function unknownOrganization(): IngestOutcome {
  return { kind: 'invalid', errors: [{ path: 'organization', code: 'unknown_organization', message: 'unknown organization' }] };
}

function endOf(value: CheckedReceipt): Date | null {
  return value.serviceEnd ? new Date(value.serviceEnd) : null;
}

/** A receipt as just stored: active, its invitation pending (what a read of it would show). */
function newView(r: NewReceipt, receivedAt: Date) {
  return {
    id: r.id,
    externalId: r.input.externalId,
    status: 'active' as const,
    late: r.value.late,
    receivedAt,
    serviceKind: r.input.service.kind,
    serviceDate: new Date(r.value.serviceDate),
    serviceEnd: endOf(r.value),
    organization: r.org,
    invitation: { status: 'pending' as const, round: 0, activatedAt: null, closesAt: null, closedAt: null, closeReason: null, rounds: [] },
  };
}
