/**
 * Free-text comments for the principals entitled to the organisation (DESIGN §6 "Comments",
 * §8; Regulation I.4а: qualitative analysis). What a reader gets, and what it never gets:
 *
 * - personal data in the text masked (src/domain/masking.ts) before it leaves this service;
 * - the quarter only, never a time; in an order fixed by a hash of the response id, so the
 *   position of a comment says nothing about when it arrived;
 * - nothing of an organisation-quarter with fewer than REPORT_MIN_RESPONSES responses, for
 *   every principal: a comment is text, and a few texts are easy to attribute;
 * - nothing of a withdrawn receipt (it left the indicators too);
 * - for a head of organisation, while the quarter is in progress, only the comments of the
 *   responses its figures have released (`releasedResponses`: whole blocks of the threshold,
 *   one block behind, first answers first), so two reads never differ by one comment and
 *   the quarter's full set differs from any earlier view by at least a block.
 *
 * Pages are keyset-paginated on (organisation code, hash): a page never repeats or skips a
 * comment when new ones arrive between two requests.
 */
import type { Db } from '../db/client';
import { fieldError } from '../domain/field-errors';
import { releasedResponses } from '../domain/indicators';
import { maskPersonalData } from '../domain/masking';
import { currentPeriod, periodBounds, type Period } from '../domain/periods';
import type { GroupBy, Principal, ReportClip } from '../domain/scope';
import { HttpProblem } from '../api/problem';
import { seesReleasedBlocksOnly, type FilterCodes } from './reports';
import { scopeConditions, SqlParams } from './scope-sql';

export interface ReportAuthorizer {
  authorize(principal: Principal, groupBy: GroupBy, codes: FilterCodes): Promise<ReportClip>;
}

export interface CommentQuery {
  period?: Period;
  filters: FilterCodes;
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface ShownComment {
  organization: string;
  organizationName: string;
  region: string;
  organizationType: string;
  period: Period;
  text: string;
}

export interface CommentPage {
  period: Period;
  minResponses: number;
  comments: ShownComment[];
  nextCursor: string | null;
}

interface Position {
  organization: string;
  hash: string;
}

export class CommentService {
  constructor(private readonly deps: { db: Db; access: ReportAuthorizer; minResponses: number; now?: () => Date }) {}

  async page(principal: Principal, query: CommentQuery): Promise<CommentPage> {
    const now = this.deps.now?.() ?? new Date();
    const period = query.period ?? currentPeriod(now);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    // Comments are per organisation: every principal may ask at that level (an organisation key only at it).
    const clip = await this.deps.access.authorize(principal, 'organization', query.filters);
    const { start, end } = periodBounds(period);
    const params = new SqlParams();
    const from = params.add(start);
    const to = params.add(end);
    const scope = scopeConditions(params, clip, query.filters);
    // Every response of the quarter counts towards the threshold, with or without a comment.
    const counted = `
      SELECT r.id, r.organization_id, r.comment,
             count(*) OVER (PARTITION BY r.organization_id) AS responses,
             row_number() OVER (PARTITION BY r.organization_id ORDER BY r.submitted_at, r.id) AS arrival
      FROM response r
      JOIN invitation i ON i.id = r.invitation_id
      JOIN receipt rc ON rc.id = i.receipt_id AND rc.status = 'active'
      JOIN organization o ON o.id = r.organization_id
      JOIN organization_type t ON t.code = o.type_code
      WHERE r.submitted_at >= ${from} AND r.submitted_at < ${to}${scope.map((c) => ` AND ${c}`).join('')}`;
    const releasedCount = seesReleasedBlocksOnly(principal) && now < end ? await this.released(counted, [...params.values]) : null;
    const min = params.add(this.deps.minResponses);
    const released = releasedCount === null ? null : params.add(releasedCount);
    const position = after ? `AND (o.code, md5(c.id::text)) > (${params.add(after.organization)}, ${params.add(after.hash)})` : '';
    const limit = params.add(query.limit + 1);
    const rows = await this.deps.db.$queryRawUnsafe<{ code: string; name: string; region: string; type: string; comment: string; hash: string }[]>(
      `WITH counted AS (${counted})
       SELECT o.code, o.name, o.region_code AS region, o.type_code AS type, c.comment, md5(c.id::text) AS hash
       FROM counted c JOIN organization o ON o.id = c.organization_id
       WHERE c.responses >= ${min} ${released ? `AND c.arrival <= ${released}` : ''}
         AND c.comment IS NOT NULL AND btrim(c.comment) <> ''
         ${position}
       ORDER BY o.code, hash
       LIMIT ${limit}`,
      ...params.values,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      period,
      minResponses: this.deps.minResponses,
      comments: page.map((r) => ({
        organization: r.code,
        organizationName: r.name,
        region: r.region,
        organizationType: r.type,
        period,
        text: maskPersonalData(r.comment.trim()),
      })),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ organization: last.code, hash: last.hash }) : null,
    };
  }

  /** How many of the (one) organisation's responses so far its head may see comments of. */
  private async released(counted: string, values: unknown[]): Promise<number> {
    const [row] = await this.deps.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM (${counted}) c`, ...values);
    return releasedResponses(Number(row?.n ?? 0), this.deps.minResponses);
  }
}

/** Opaque to clients: base64url of the last comment's position. */
export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.organization, p.hash])).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [organization, hash] = value as unknown[];
      if (typeof organization === 'string' && organization.length <= 64 && typeof hash === 'string' && /^[0-9a-f]{32}$/.test(hash)) {
        return { organization, hash };
      }
    }
  } catch {
    // falls through to the refusal
  }
  throw new HttpProblem('validation_failed', 'The cursor is not one this API gave out', [fieldError('cursor', 'invalid_format', 'is not a cursor of this report')]);
}
