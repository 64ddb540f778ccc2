/**
 * The citizen's side of the portal's personal account (Regulation II.6: the link is active
 * "в личном кабинете гражданина"): the portal asks, with a citizen's SNILS, which
 * questionnaire links that citizen can answer now. One indexed look-up by the SNILS's keyed
 * hash; the link is rebuilt from its stored nonce, never stored itself.
 */
import type { Db } from '../db/client';
import type { Secrets } from '../security';

export interface PortalLink {
  organization: { code: string; name: string; type: string; typeName: string };
  service: { kind: 'one_time'; date: string } | { kind: 'long'; start: string; end: string | null };
  round: number;
  /** The instant the link closes. */
  until: string;
  url: string;
  /** `answered`: this round's questionnaire was answered; the link stays until the round ends. */
  status: 'open' | 'answered';
}

interface Row {
  token_nonce: string;
  round: number;
  closes_at: Date;
  code: string;
  name: string;
  type_code: string;
  type_name: string;
  service_kind: 'one_time' | 'long';
  service_date: Date;
  service_end: Date | null;
  answered: boolean;
}

export class PortalService {
  constructor(private readonly deps: { db: Db; secrets: Secrets; publicBaseUrl: string; now?: () => Date }) {}

  /** The citizen's links that take an answer now, soonest closing first; none for an unknown citizen. */
  async answerableLinks(snils: string): Promise<PortalLink[]> {
    const now = this.deps.now?.() ?? new Date();
    const rows = await this.deps.db.$queryRaw<Row[]>`
      SELECT l.token_nonce, i.round, i.closes_at, o.code, o.name, o.type_code, t.name AS type_name,
             r.service_kind::text AS service_kind, r.service_date, r.service_end,
             EXISTS (SELECT 1 FROM response x WHERE x.link_id = l.id AND x.round = i.round) AS answered
      FROM account a
      JOIN invitation_link l ON l.account_id = a.id
      JOIN invitation i ON i.id = l.invitation_id
      JOIN receipt r ON r.id = i.receipt_id
      JOIN organization o ON o.id = r.organization_id
      JOIN organization_type t ON t.code = o.type_code
      WHERE a.snils_hash = ${this.deps.secrets.snilsHash(snils)}
        AND i.status = 'active' AND i.closes_at > ${now} AND r.status <> 'cancelled'
      ORDER BY i.closes_at, o.code`;
    const day = (d: Date) => d.toISOString().slice(0, 10);
    return rows.map((r) => ({
      organization: { code: r.code, name: r.name, type: r.type_code, typeName: r.type_name },
      service: r.service_kind === 'one_time' ? { kind: 'one_time', date: day(r.service_date) } : { kind: 'long', start: day(r.service_date), end: r.service_end ? day(r.service_end) : null },
      round: r.round,
      until: r.closes_at.toISOString(),
      url: `${this.deps.publicBaseUrl}/q/${this.deps.secrets.token(r.token_nonce)}`,
      status: r.answered ? 'answered' : 'open',
    }));
  }
}
