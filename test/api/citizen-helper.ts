/**
 * Brings a posted receipt to an open questionnaire link the way the workflow does, by
 * running the real activities (activation, round 1, the e-mail to the outbox), and returns
 * the link's token. No worker runs: the workflow itself waits at its first timer.
 */
import { createActivities } from '../../activities';
import { OutboxMailer } from '../../src/mail/outbox-mailer';
import { makePerson, withoutEmail } from '../helpers/people';
import type { TestApp } from './app-helper';
import { receiptBody } from './receipt-body';

const silent = { info() {}, warn() {} };

export async function openLink(t: TestApp, overrides: Record<string, unknown> = {}): Promise<{ token: string; receiptId: string; workflowId: string; invitationId: string }> {
  const citizen = makePerson('1981-05-05');
  await t.call(t.keys.admin, { method: 'POST', url: '/v1/accounts', payload: { accounts: [{ snils: citizen.snils, email: citizen.email, confirmed: true }] } });
  const res = await t.call(t.keys.integrator, { method: 'POST', url: '/v1/receipts', payload: receiptBody({ recipient: withoutEmail(citizen), ...overrides }) });
  if (res.statusCode !== 202) throw new Error(`receipt not accepted: ${res.body}`);
  const receipt = res.json();
  const activities = createActivities({ db: t.tdb.db, mailer: new OutboxMailer(t.tdb.db, silent), secrets: t.secrets, publicBaseUrl: 'http://localhost', log: silent });
  await activities.activateInvitation({ receiptId: receipt.id, closesAt: null });
  await activities.openRound({ receiptId: receipt.id, round: 1 });
  const link = await t.tdb.db.invitationLink.findFirstOrThrow({ where: { invitation: { receiptId: receipt.id } } });
  return { token: t.secrets.token(link.tokenNonce), receiptId: receipt.id, workflowId: receipt.workflowId, invitationId: link.invitationId };
}

export const GOOD_ANSWERS = { info: 5, process: 4, comfort: 4, accessibility: null, courtesy: 5, competence: 5, overall: 4 };
