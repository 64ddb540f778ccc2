/**
 * The API's and reconciler's handle on invitation workflows: start one per receipt
 * (idempotently), and signal it. Inputs carry ids and dates, never personal data.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { InvitationSchedule, type TimingPolicy } from '../domain/policy';
import { cancelSignal, completedSignal, serviceEndedSignal, stateQuery, unsubscribedSignal } from '../../workflows/invitation-signals';
import type { invitationWorkflowV2 } from '../../workflows/invitation';
import {
  SA_ORGANIZATION,
  SA_REGION,
  SA_SERVICE_KIND,
  SA_STATUS,
  invitationWorkflowId,
  type InvitationInput,
  type InvitationState,
  INVITATION_WORKFLOW_TYPE,
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
/** The reconciler's starts: no request waits for them, so a busy server gets seconds, not half of one. */
export const BACKGROUND_CALL_DEADLINE_MS = 5_000;
const UNAVAILABLE_COOL_DOWN_MS = 5_000;
/**
 * Starts fail fast only after this many unreachable answers in a row. One start that
 * misses its deadline on a busy server says little (measured: 4 misses in 3,000 starts,
 * which used to fail 1,375 others at once); a run of them, with no success between, is an
 * outage.
 */
const FAILURES_BEFORE_COOL_DOWN = 3;

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
    /** The ingestion clock, from which the start delay is counted (tests: the test server's time). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Until when starts fail fast: Temporal was unreachable a moment ago (the reconciler retries). */
  private unavailableUntil = 0;
  /** Unreachable answers since the last start that succeeded. */
  private failuresInARow = 0;

  /**
   * Starts the receipt's workflow, or finds the one already started. The start carries the
   * activation delay (`startDelay`): the server holds the workflow until its activation
   * instant, so a new receipt costs one start and no worker work until then. A signal
   * (cancel, end of service) during the delay starts it at once; a start after the
   * activation instant (the reconciler's, after an outage) has no delay. A start that cannot
   * reach Temporal within the deadline (`deadlineMs`: a request's half second by default)
   * fails (the receipt is stored; the reconciler starts it later). After a few such failures
   * in a row, further starts fail at once for a few seconds instead of each waiting out its
   * own deadline: a batch during an outage costs seconds, not minutes.
   */
  async start(receipt: ReceiptForWorkflow, options: { deadlineMs?: number } = {}): Promise<string> {
    if (Date.now() < this.unavailableUntil) throw new Error('Temporal unreachable a moment ago; start left to the reconciler');
    try {
      const workflowId = await this.client.withDeadline(Date.now() + (options.deadlineMs ?? TEMPORAL_CALL_DEADLINE_MS), () => this.startNow(receipt));
      this.failuresInARow = 0;
      return workflowId;
    } catch (err) {
      if (isUnavailable(err) && ++this.failuresInARow >= FAILURES_BEFORE_COOL_DOWN) {
        this.unavailableUntil = Date.now() + UNAVAILABLE_COOL_DOWN_MS;
        this.failuresInARow = 0;
      }
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
    const activationAt = new InvitationSchedule(receipt.receivedAt.getTime(), this.policy).spreadActivationAt(receipt.id);
    const delayMs = activationAt - this.now().getTime();
    try {
      await this.client.workflow.start<typeof invitationWorkflowV2>(INVITATION_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        ...(delayMs > 0 && { startDelay: Math.ceil(delayMs) }),
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

  /**
   * The workflow's state, as its `state` query answers it. A workflow still held by its
   * start delay has not run on any worker, so it cannot answer a query: its state is then
   * read from the server (the pending start and the workflow's input), and is
   * `awaiting_activation` until the delay ends.
   */
  async state(receiptId: string): Promise<InvitationState> {
    const handle = this.client.workflow.getHandle<typeof invitationWorkflowV2>(invitationWorkflowId(receiptId));
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING' || description.historyLength > 1) return handle.query(stateQuery);
    const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0];
    if (!payload) return handle.query(stateQuery);
    return pendingState(defaultPayloadConverter.fromPayload<InvitationInput>(payload));
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

/**
 * What a workflow held by its start delay would answer to the `state` query: waiting for
 * its activation, with the link's closing as it stands at that instant (the workflow's
 * rules: a long service whose end has passed before its first e-mail follows the one-time
 * rules).
 */
export function pendingState(input: InvitationInput): InvitationState {
  const schedule = new InvitationSchedule(Date.parse(input.receivedAt), input.policy);
  const activatesAt = schedule.spreadActivationAt(input.receiptId);
  const endClosesAt = input.serviceEnd === null ? null : schedule.serviceEndClosesAt(input.serviceEnd);
  const oneTime = input.serviceKind === 'one_time' || (endClosesAt !== null && endClosesAt <= activatesAt);
  const closesAt = oneTime ? schedule.oneTimeClosesAt() : endClosesAt;
  return {
    stage: 'awaiting_activation',
    round: 1,
    nextDeadline: new Date(activatesAt).toISOString(),
    nextAction: 'activate',
    closesAt: closesAt === null ? null : new Date(closesAt).toISOString(),
    serviceEnd: input.serviceEnd,
    unsubscribed: input.unsubscribed ?? false,
  };
}
