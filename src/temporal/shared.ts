/**
 * What the API, the worker and the workflows share: task queue, workflow ids, typed
 * search attributes and the workflows' inputs. Pure: imported by workflow code.
 * Nothing here may carry personal data: workflows get ids, activities read the rest.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { TimingPolicy } from '../domain/policy';

export const DEFAULT_TASK_QUEUE = 'feedback';

/** Deterministic: one workflow per receipt, found in the Temporal UI by `receipt-<id>`. */
export function invitationWorkflowId(receiptId: string): string {
  return `receipt-${receiptId}`;
}

/**
 * The invitation workflow type new receipts start (workflows/invitation.ts, its second
 * generation), and every type an invitation may still run as: the first generation's run out.
 */
export const INVITATION_WORKFLOW_TYPE = 'invitationWorkflowV2';
export const INVITATION_WORKFLOW_TYPES = ['invitationWorkflow', INVITATION_WORKFLOW_TYPE] as const;

export const SA_REGION = defineSearchAttributeKey('FeedbackRegion', SearchAttributeType.KEYWORD);
export const SA_ORGANIZATION = defineSearchAttributeKey('FeedbackOrganization', SearchAttributeType.KEYWORD);
export const SA_SERVICE_KIND = defineSearchAttributeKey('FeedbackServiceKind', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('FeedbackStatus', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [SA_REGION, SA_ORGANIZATION, SA_SERVICE_KIND, SA_STATUS];

export type ServiceKindValue = 'one_time' | 'long';

export interface InvitationInput {
  receiptId: string;
  /** T0: when the receipt arrived, ISO 8601. */
  receivedAt: string;
  serviceKind: ServiceKindValue;
  /** Known end of a long service (YYYY-MM-DD), or null. */
  serviceEnd: string | null;
  /** The policy in force when the workflow started; kept across continue-as-new. */
  policy: TimingPolicy;
  /** Set by continue-as-new: the round this run serves (1 for a new workflow). */
  round?: number;
  /** Set by continue-as-new: every addressee has unsubscribed. */
  unsubscribed?: boolean;
  /**
   * Set when a run continues as new within its round (its history grew long): the round is
   * already activated and notified; the new run only waits, as the old one did.
   */
  resume?: {
    firstEmailAt: number | null;
    completedRound: number;
    storedClosesAt: number | null;
  };
}

/** Where an invitation is, as the status query and the FeedbackStatus attribute show it. */
export type InvitationStage =
  | 'awaiting_activation'
  | 'notifying'
  | 'active'
  | 'no_account'
  | 'closed'
  | 'withdrawn';

export interface InvitationState {
  stage: InvitationStage;
  round: number;
  /** The next moment the workflow acts by itself (ISO 8601), or null. */
  nextDeadline: string | null;
  nextAction: 'activate' | 'notify' | 'next_round' | 'close' | null;
  closesAt: string | null;
  serviceEnd: string | null;
  unsubscribed: boolean;
}

/** Why a link closed: the Regulation's reasons, then an operator's cancel and the sweep's. */
export type CloseReasonValue = 'expired' | 'completed' | 'service_ended' | 'withdrawn' | 'operator_cancelled' | 'workflow_closed';

export interface InvitationOutcome {
  status: 'closed' | 'no_account' | 'withdrawn';
  reason?: CloseReasonValue;
  rounds: number;
}

/** Input of the quarterly scoring workflow (see workflows/scoring.ts). */
export interface ScoringInput {
  trigger: 'schedule' | 'admin' | 'provisional';
  /** The quarter to recompute, for an admin run ('2026-Q1'). */
  period?: string;
}

export const SCORING_SCHEDULE_ID = 'quarterly-scoring';
export const PROVISIONAL_SCHEDULE_ID = 'provisional-scoring';

/** Workflow id of an admin recompute: one at a time per quarter. */
export function scoringWorkflowId(period: string): string {
  return `scoring-${period}`;
}
