/**
 * Receipt ingestion: validate, store once, start exactly one workflow. The database's
 * unique key (integratorId, externalId) is the durable guard against duplicates; the
 * workflow id derived from the receipt id makes a repeated start harmless; the
 * reconciler starts any workflow a crash left unstarted.
 */
import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import type { FieldError } from '../domain/field-errors';
import { ZReceiptInput, canonicalReceipt, checkReceipt, type TReceiptInput } from '../domain/receipt';
import { fieldErrors } from '../domain/field-errors';
import { inScope, type Principal } from '../domain/scope';
import type { Secrets } from '../security';
import { invitationWorkflowId } from '../temporal/shared';
import type { InvitationGateway } from '../temporal/invitations';
import { receiptView, RECEIPT_VIEW_INCLUDE, type ReceiptView } from './receipt-view';

export type IngestOutcome =
  | { kind: 'accepted'; receipt: ReceiptView }
  | { kind: 'duplicate'; receipt: ReceiptView }
  | { kind: 'conflict'; errors: FieldError[] }
  | { kind: 'forbidden'; errors: FieldError[] }
  | { kind: 'invalid'; errors: FieldError[] };

export interface ReceiptServiceDeps {
  db: Db;
  secrets: Secrets;
  invitations: InvitationGateway;
  log: { warn(obj: object, msg: string): void };
  now?: () => Date;
}

export class ReceiptService {
  private readonly now: () => Date;

  constructor(private readonly deps: ReceiptServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async ingest(principal: Principal, body: unknown): Promise<IngestOutcome> {
    const parsed = ZReceiptInput.safeParse(body);
    if (!parsed.success) {
      return { kind: 'invalid', errors: fieldErrors(parsed.error.issues) };
    }
    return this.ingestValid(principal, parsed.data);
  }

  private async ingestValid(principal: Principal, input: TReceiptInput): Promise<IngestOutcome> {
    const { db, secrets } = this.deps;
    // Receipts belong to the integrator, not to the key: every key of one integrator sees
    // the same receipts and externalIds, and keys of two integrators never do.
    const { integratorId } = principal;
    if (!integratorId) throw new Error(`key ${principal.keyId} (${principal.role}) belongs to no integrator and cannot post receipts`);
    const receivedAt = this.now();
    const checked = checkReceipt(input, receivedAt);
    if (!checked.ok) return { kind: 'invalid', errors: checked.errors };

    const org = await db.organization.findUnique({
      where: { code: input.organization },
      include: { type: true },
    });
    if (!org) return { kind: 'invalid', errors: [{ path: 'organization', code: 'unknown_organization', message: 'unknown organization' }] };
    if (!inScope(principal, { code: org.code, regionCode: org.regionCode, sector: org.type.sector })) {
      return { kind: 'forbidden', errors: [{ path: 'organization', code: 'organization_out_of_scope', message: 'organization is outside this key\'s scope' }] };
    }
    const enabled = await db.regionOrganizationType.findUnique({
      where: { regionCode_typeCode: { regionCode: org.regionCode, typeCode: org.typeCode } },
    });
    if (!enabled) {
      return {
        kind: 'invalid',
        errors: [{ path: 'organization', code: 'organization_type_not_in_region', message: `organization type ${org.typeCode} does not take part in region ${org.regionCode}` }],
      };
    }

    const bodyHash = secrets.bodyHash(canonicalReceipt(input));
    const existing = await this.findExisting(integratorId, input.externalId, bodyHash);
    if (existing) return existing;

    const { value } = checked;
    let receipt;
    try {
      receipt = await db.receipt.create({
        data: {
          integratorId,
          externalId: input.externalId,
          bodyHash,
          organizationId: org.id,
          serviceKind: input.service.kind,
          serviceDate: new Date(value.serviceDate),
          serviceEnd: value.serviceEnd ? new Date(value.serviceEnd) : null,
          minor: value.minor,
          late: value.late,
          receivedAt,
          persons: {
            create: value.snils.map((p, position) => ({ position, role: p.role, snilsHash: secrets.snilsHash(p.snils) })),
          },
          invitation: { create: {} },
        },
        include: RECEIPT_VIEW_INCLUDE,
      });
    } catch (err) {
      // A concurrent identical post won the insert: answer as for a replay.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const winner = await this.findExisting(integratorId, input.externalId, bodyHash);
        if (winner) return winner;
      }
      throw err;
    }
    await this.ensureWorkflow(receipt);
    return { kind: 'accepted', receipt: receiptView(receipt) };
  }

  private async findExisting(integratorId: string, externalId: string, bodyHash: string): Promise<IngestOutcome | null> {
    const existing = await this.deps.db.receipt.findUnique({
      where: { integratorId_externalId: { integratorId, externalId } },
      include: RECEIPT_VIEW_INCLUDE,
    });
    if (!existing) return null;
    if (existing.bodyHash !== bodyHash) {
      return { kind: 'conflict', errors: [{ path: 'externalId', code: 'external_id_conflict', message: 'already used for a different receipt' }] };
    }
    if (!existing.workflowStartedAt) await this.ensureWorkflow(existing);
    return { kind: 'duplicate', receipt: receiptView(existing) };
  }

  /**
   * Starts the workflow and records that it exists. If Temporal is unreachable the receipt
   * is still safely stored: the reconciler starts the workflow later.
   */
  async ensureWorkflow(receipt: {
    id: string;
    receivedAt: Date;
    serviceKind: 'one_time' | 'long';
    serviceEnd: Date | null;
    organization: { code: string; regionCode: string };
  }): Promise<boolean> {
    try {
      await this.deps.invitations.start(receipt);
    } catch (err) {
      this.deps.log.warn(
        { receiptId: receipt.id, workflowId: invitationWorkflowId(receipt.id), error: (err as Error).message },
        'workflow start failed; the reconciler will retry',
      );
      return false;
    }
    await this.deps.db.receipt.updateMany({
      where: { id: receipt.id, workflowStartedAt: null },
      data: { workflowStartedAt: new Date() },
    });
    return true;
  }
}
