import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { InvitationState } from '../src/temporal/shared';

/** The integrator withdrew the receipt (sent in error): the link closes at once. */
export const cancelSignal = defineSignal('cancel');
/** A long service's end date was reported (YYYY-MM-DD). */
export const serviceEndedSignal = defineSignal<[{ end: string }]>('serviceEnded');
/** A questionnaire for `round` was completed (sent by the questionnaire API). */
export const completedSignal = defineSignal<[{ round: number }]>('completed');
/** An addressee unsubscribed; `all` when nobody is left to e-mail. */
export const unsubscribedSignal = defineSignal<[{ all: boolean }]>('unsubscribed');
/** The current stage and the next deadline. */
export const stateQuery = defineQuery<InvitationState>('state');
