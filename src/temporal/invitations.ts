/**
 * The API's and reconciler's handle on invitation workflows: start one per receipt
 * (idempotently), and signal it. Inputs carry ids and dates, never personal data.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { TimingPolicy } from '../domain/policy';
import { cancelSignal, completedSignal, serviceEndedSignal, unsubscribedSignal } from '../../workflows/invitation-signals';
import type { invitationWorkflow } from '../../workflows/invitation';
import {
  SA_ORGANIZATION,
  SA_REGION,
  SA_SERVICE_KIND,
  SA_STATUS,
  invitationWorkflowId,
  type InvitationInput,
} from './shared';

export interface ReceiptForWorkflow {
  id: string;
  receivedAt: Date;
  serviceKind: 'one_time' | 'long';
  serviceEnd: Date | null;
  organization: { code: string; regionCode: string };
}

/** Whether a receipt's workflow still runs: `unknown` when Temporal could not be asked in time. */
export type WorkflowLiveness = 'running' | 'closed' | 'missing' | 'unknown';

/**
 * The deadline of a call to Temporal on a request's path, after which it is left to the
 * reconciler. The client's retry interceptor overshoots a deadline by up to ~0.8 s while
 * Temporal is down (measured: 0.5 s → 0.96 s, 1 s → 1.6–1.9 s), so 0.5 s keeps a request,
 * or a probe, under a second; a healthy start takes a few tens of milliseconds.
 */
export const TEMPORAL_CALL_DEADLINE_MS = 500;
const UNAVAILABLE_COOL_DOWN_MS = 5_000;

/** gRPC UNAVAILABLE or DEADLINE_EXCEEDED, however the client wrapped it. */
function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 14 || code === 4) return true;
  }
  return false;
}

export class InvitationGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly policy: TimingPolicy,
    /** Off only where the server cannot register custom attributes (the time-skipping test server). */
    private readonly searchAttributes = true,
  ) {}

  /** Until when starts fail fast: Temporal was unreachable a moment ago (the reconciler retries). */
  private unavailableUntil = 0;

  /**
   * Starts the receipt's workflow, or finds the one already started. A start that cannot
   * reach Temporal within the deadline fails (the receipt is stored; the reconciler starts it
   * later), and for the next few seconds further starts fail at once instead of each
   * waiting out its own deadline: a batch during an outage costs seconds, not minutes.
   */
  async start(receipt: ReceiptForWorkflow): Promise<string> {
    if (Date.now() < this.unavailableUntil) throw new Error('Temporal unreachable a moment ago; start left to the reconciler');
    try {
      return await this.client.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () => this.startNow(receipt));
    } catch (err) {
      if (isUnavailable(err)) this.unavailableUntil = Date.now() + UNAVAILABLE_COOL_DOWN_MS;
      throw err;
    }
  }

  private async startNow(receipt: ReceiptForWorkflow): Promise<string> {
    const workflowId = invitationWorkflowId(receipt.id);
    const input: InvitationInput = {
      receiptId: receipt.id,
      receivedAt: receipt.receivedAt.toISOString(),
      serviceKind: receipt.serviceKind,
      serviceEnd: receipt.serviceEnd ? receipt.serviceEnd.toISOString().slice(0, 10) : null,
      policy: this.policy,
    };
    try {
      await this.client.workflow.start<typeof invitationWorkflow>('invitationWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        ...(this.searchAttributes && {
          typedSearchAttributes: [
            { key: SA_REGION, value: receipt.organization.regionCode },
            { key: SA_ORGANIZATION, value: receipt.organization.code },
            { key: SA_SERVICE_KIND, value: receipt.serviceKind },
            { key: SA_STATUS, value: 'awaiting_activation' },
          ],
        }),
      });
    } catch (err) {
      // Already ran to completion: the receipt has its one workflow.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return workflowId;
  }

  /** Asks Temporal, within the deadline, whether the receipt's workflow still runs. */
  async liveness(receiptId: string): Promise<WorkflowLiveness> {
    try {
      const description = await this.client.withDeadline(Date.now() + TEMPORAL_CALL_DEADLINE_MS, () =>
        this.client.workflow.getHandle(invitationWorkflowId(receiptId)).describe(),
      );
      return description.status.name === 'RUNNING' ? 'running' : 'closed';
    } catch (err) {
      return err instanceof WorkflowNotFoundError ? 'missing' : 'unknown';
    }
  }

  async cancel(receiptId: string): Promise<void> {
    await this.signal(receiptId, (h) => h.signal(cancelSignal));
  }

  async serviceEnded(receiptId: string, end: string): Promise<void> {
    await this.signal(receiptId, (h) => h.signal(serviceEndedSignal, { end }));
  }

  async completed(receiptId: string, round: number): Promise<void> {
    await this.signal(receiptId, (h) => h.signal(completedSignal, { round }));
  }

  async unsubscribed(receiptId: string, all: boolean): Promise<void> {
    await this.signal(receiptId, (h) => h.signal(unsubscribedSignal, { all }));
  }

  private async signal(receiptId: string, send: (h: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<void> {
    try {
      await send(this.client.workflow.getHandle(invitationWorkflowId(receiptId)));
    } catch (err) {
      // A finished workflow needs no signal: its link is already closed.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
