/**
 * The organisations taking part and the types each region takes part with (Regulation
 * I.12б: a region registers its organisations and chooses its types). A national
 * administrator manages every region; a region's administrator (an `admin` key or
 * participant with `--region`) only its own (`managesRegion`). Every change is an audit
 * event naming its actor. Callers: the reference routes (API keys) and the cabinet's
 * administrators' pages (participants); neither speaks to the database about organisations
 * itself. Results are outcome unions carrying a problem code, never HTTP.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { audit, type Actor } from './audit';
import type { Db } from '../db/client';
import type { ProblemCode } from '../domain/error-codes';
import { fieldErrors, type FieldError } from '../domain/field-errors';
import { managesRegion, type Principal } from '../domain/scope';
import { replaceUnstorable, ZText } from '../domain/text';
import type { Prisma } from '../generated/prisma/client';

export const FOUNDER_LEVELS = ['federal', 'regional', 'municipal'] as const;
export const ZOrganizationCode = ZText.trim().min(1).max(64).regex(/^[\w.-]+$/, 'letters, digits, ".", "-" and "_" only');
/** The fields of an organisation as `PUT /v1/organizations/{code}` takes them (the code is in the path). */
export const ZOrganizationInput = z.strictObject({
  name: ZText.trim().min(1).max(500),
  type: ZText.max(64, 'must be at most 64 characters'),
  region: ZText.regex(/^\d{2}$/, 'must be a two-digit region code'),
  founderLevel: z.enum(FOUNDER_LEVELS),
});
export type TOrganizationInput = z.infer<typeof ZOrganizationInput>;

/** The columns of an import file, in any order: the code and the fields of the PUT body. */
export const IMPORT_COLUMNS = ['code', 'name', 'type', 'region', 'founderLevel'] as const;
/** Rows of one import file at most. */
export const IMPORT_MAX_ROWS = 10_000;
const ZImportRow = ZOrganizationInput.extend({ code: ZOrganizationCode });
/** U+FDD0, a noncharacter: stands in for unstorable characters while the parser reads the file. */
const CARRIED = '\uFDD0';

export interface OrganizationView {
  code: string;
  name: string;
  type: string;
  sector: string;
  region: string;
  founderLevel: (typeof FOUNDER_LEVELS)[number];
  /** When it stopped taking new receipts; null while it takes part. */
  deactivatedAt: string | null;
}

export type Refusal = { ok: false; problem: Extract<ProblemCode, 'out_of_scope' | 'not_found' | 'validation_failed'>; detail: string; errors?: FieldError[] };
export type Outcome<T> = ({ ok: true } & T) | Refusal;

type OrganizationRow = Prisma.OrganizationGetPayload<{ include: { type: true } }>;

export function organizationView(o: OrganizationRow): OrganizationView {
  return {
    code: o.code, name: o.name, type: o.typeCode, sector: o.type.sector, region: o.regionCode, founderLevel: o.founderLevel,
    deactivatedAt: o.deactivatedAt?.toISOString() ?? null,
  };
}

export { actorOf } from './audit';

const outside = (what: string): Refusal => ({ ok: false, problem: 'out_of_scope', detail: `${what} is outside this administrator's regions` });

/** Creates or updates one organisation; a region's administrator only in its regions, and never moves one out of them. */
export async function saveOrganization(
  db: Db, actor: Actor, principal: Principal, input: TOrganizationInput & { code: string },
): Promise<Outcome<{ created: boolean; organization: OrganizationView }>> {
  const { code, name, type, region, founderLevel } = input;
  if (!managesRegion(principal, region)) return outside(`Region ${region}`);
  const errors = await referenceErrors(db, [{ type, region, at: '' }]);
  if (errors.length > 0) return { ok: false, problem: 'validation_failed', detail: 'The organization is invalid', errors };
  return db.$transaction(async (tx) => {
    const before = await tx.organization.findUnique({ where: { code } });
    if (before && !managesRegion(principal, before.regionCode)) return outside(`Organization ${code}`);
    const data = { name, typeCode: type, regionCode: region, founderLevel };
    const org = await tx.organization.upsert({ where: { code }, create: { code, ...data }, update: data, include: { type: true } });
    await audit(tx, actor, before ? 'organization.update' : 'organization.create', `organization:${code}`, {
      ...(before ? { before: { name: before.name, type: before.typeCode, region: before.regionCode, founderLevel: before.founderLevel } } : {}),
      after: { name, type, region, founderLevel },
    });
    return { ok: true as const, created: !before, organization: organizationView(org) };
  });
}

/**
 * Deactivates (it takes no new receipts from now on; its receipts, responses and indicators
 * stay) or reactivates an organisation. Repeating either changes nothing and records nothing.
 */
export async function setOrganizationActive(
  db: Db, actor: Actor, principal: Principal, input: { code: string; active: boolean },
): Promise<Outcome<{ organization: OrganizationView }>> {
  const { code, active } = input;
  return db.$transaction(async (tx) => {
    const org = await tx.organization.findUnique({ where: { code } });
    if (!org) return { ok: false as const, problem: 'not_found' as const, detail: 'No such organization' };
    if (!managesRegion(principal, org.regionCode)) return outside(`Organization ${code}`);
    const changes = active ? org.deactivatedAt !== null : org.deactivatedAt === null;
    const row = changes
      ? await tx.organization.update({ where: { code }, data: { deactivatedAt: active ? null : new Date() }, include: { type: true } })
      : await tx.organization.findUniqueOrThrow({ where: { code }, include: { type: true } });
    if (changes) await audit(tx, actor, active ? 'organization.reactivate' : 'organization.deactivate', `organization:${code}`, {});
    return { ok: true as const, organization: organizationView(row) };
  });
}

/** Sets the organisation types a region takes part with; a region's administrator only its own. */
export async function setRegionTypes(
  db: Db, actor: Actor, principal: Principal, input: { region: string; types: string[] },
): Promise<Outcome<{ region: string; types: string[] }>> {
  const { region } = input;
  if (!(await db.region.findUnique({ where: { code: region } }))) return { ok: false, problem: 'not_found', detail: 'No such region' };
  if (!managesRegion(principal, region)) return outside(`Region ${region}`);
  const known = new Set((await db.organizationType.findMany()).map((t) => t.code));
  const errors = input.types.flatMap((t, i): FieldError[] => (known.has(t) ? [] : [{ path: `types.${i}`, code: 'unknown_organization_type', message: 'unknown organization type' }]));
  if (errors.length > 0) return { ok: false, problem: 'validation_failed', detail: 'Unknown organization types', errors };
  const types = [...new Set(input.types)].sort();
  await db.$transaction(async (tx) => {
    const before = (await tx.regionOrganizationType.findMany({ where: { regionCode: region } })).map((t) => t.typeCode).sort();
    await tx.regionOrganizationType.deleteMany({ where: { regionCode: region, typeCode: { notIn: types } } });
    await tx.regionOrganizationType.createMany({ data: types.map((typeCode) => ({ regionCode: region, typeCode })), skipDuplicates: true });
    if (before.join() !== types.join()) await audit(tx, actor, 'region.organization_types', `region:${region}`, { before, after: types });
  });
  return { ok: true, region, types };
}

/** An import file's rows, read and checked one by one: each valid row, or the errors of each invalid one. */
interface ReadRows {
  rows: (z.infer<typeof ZImportRow> & { row: number })[];
  /** The well-formed types and regions of every row, to check against the reference data too. */
  references: Reference[];
  errors: FieldError[];
}

/**
 * Imports organisations from CSV text (a header row naming IMPORT_COLUMNS in any order;
 * `,` or `;` between fields, as the header shows; a BOM ignored). Every row is checked
 * first: if any is wrong, the answer lists each error at `rows.<row>.<column>` (the row as
 * a spreadsheet numbers it, the header being row 1) and nothing is stored; otherwise all
 * rows are created or updated in one transaction. A region's administrator imports only
 * rows of its regions, and only organisations that are not in another region already.
 */
export async function importOrganizations(
  db: Db, actor: Actor, principal: Principal, csv: string,
): Promise<Outcome<{ created: number; updated: number }>> {
  const read = readImport(csv);
  const refused = (errors: FieldError[]): Refusal => ({ ok: false, problem: 'validation_failed', detail: 'The file has errors; nothing was imported', errors });
  if (read.errors.length > 0 && read.references.length === 0) return refused(read.errors.sort(byRow));
  const errors = [...read.errors];
  const firstRow = new Map<string, number>();
  for (const r of read.rows) {
    const first = firstRow.get(r.code);
    if (first !== undefined) errors.push({ path: `rows.${r.row}.code`, code: 'duplicate_organization', message: `repeats the organization of row ${first}` });
    else firstRow.set(r.code, r.row);
    if (!managesRegion(principal, r.region)) errors.push({ path: `rows.${r.row}.region`, code: 'organization_out_of_scope', message: 'region is outside this administrator\'s regions' });
  }
  errors.push(...(await referenceErrors(db, read.references)));
  return db.$transaction(async (tx) => {
    // Locked, so that an organisation moved meanwhile to another region is not taken back.
    const codes = [...firstRow.keys()];
    const existing = new Map(
      (await tx.$queryRaw<{ code: string; region_code: string }[]>`SELECT code, region_code FROM organization WHERE code = ANY(${codes}) FOR UPDATE`).map((o) => [o.code, o.region_code]),
    );
    for (const r of read.rows) {
      const region = existing.get(r.code);
      if (region !== undefined && !managesRegion(principal, region)) {
        errors.push({ path: `rows.${r.row}.code`, code: 'organization_out_of_scope', message: 'the organization is registered in a region outside this administrator\'s regions' });
      }
    }
    if (errors.length > 0) return refused(errors.sort(byRow));
    const rows = read.rows;
    const stored = await tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO organization (id, code, name, type_code, region_code, founder_level, updated_at)
      SELECT gen_random_uuid(), t.code, t.name, t.type_code, t.region_code, t.founder_level::founder_level, now()
      FROM unnest(${rows.map((r) => r.code)}::text[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.type)}::text[],
                  ${rows.map((r) => r.region)}::text[], ${rows.map((r) => r.founderLevel)}::text[]) AS t(code, name, type_code, region_code, founder_level)
      ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, type_code = EXCLUDED.type_code, region_code = EXCLUDED.region_code,
        founder_level = EXCLUDED.founder_level, updated_at = now()
      RETURNING (xmax = 0) AS inserted`;
    const created = stored.filter((s) => s.inserted).length;
    await audit(tx, actor, 'organization.import', null, { created, updated: stored.length - created, codes });
    return { ok: true as const, created, updated: stored.length - created };
  });
}

/** Parses the file and checks each row's shape; csv-parse does the RFC 4180 reading. */
function readImport(csv: string): ReadRows {
  // The parser reads through UTF-8 bytes, where a lone surrogate (an invalid byte of the
  // body, see decodeUtf8) would turn into U+FFFD; a noncharacter carries it through, and
  // each field gets it back as a lone surrogate for ZText to refuse at its row and column.
  const text = replaceUnstorable(csv.replace(/^\uFEFF/, ''), CARRIED);
  const headerLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
  let records: string[][];
  try {
    // Empty lines are records too (one empty field), skipped below: the row numbers stay those a spreadsheet shows.
    records = parse(text, { delimiter, relax_column_count: true });
  } catch (err) {
    // The parser's message quotes the file; say where only. Its record count is the rows read before the broken one.
    const at = (err as { records?: number }).records;
    const row = typeof at === 'number' ? at + 1 : 1;
    return { rows: [], references: [], errors: [{ path: `rows.${row}`, code: 'invalid_format', message: 'this row cannot be read as CSV (an unclosed quote, or a quote inside an unquoted field)' }] };
  }
  const [header = [], ...all] = records.map((fields) => fields.map((f) => f.replaceAll(CARRIED, '\uDCFF')));
  const body = all.map((fields, i) => ({ fields, row: i + 2 })).filter(({ fields }) => fields.length > 1 || fields[0]!.trim() !== '');
  const columns = header.map((c) => c.trim());
  const errors: FieldError[] = [
    ...IMPORT_COLUMNS.filter((c) => !columns.includes(c)).map((c): FieldError => ({ path: `header.${c}`, code: 'required', message: 'the header has no such column' })),
    // Named by position, so that the answer never repeats what the file says.
    ...columns.flatMap((c, i): FieldError[] => ((IMPORT_COLUMNS as readonly string[]).includes(c) && columns.indexOf(c) === i
      ? [] : [{ path: `header.${i + 1}`, code: 'unknown_field', message: 'not a column of the import, or named twice' }])),
  ];
  if (body.length === 0) errors.push({ path: 'rows', code: 'too_few', message: 'the file has no organisation after its header' });
  if (body.length > IMPORT_MAX_ROWS) errors.push({ path: 'rows', code: 'too_many', message: `at most ${IMPORT_MAX_ROWS} organisations per file` });
  if (errors.length > 0) return { rows: [], references: [], errors };
  const rows: ReadRows['rows'] = [];
  const references: ReadRows['references'] = [];
  body.forEach(({ fields, row }) => {
    if (fields.length !== columns.length) {
      return void errors.push({ path: `rows.${row}`, code: 'invalid_format', message: `has ${fields.length} fields where the header has ${columns.length}` });
    }
    const value = Object.fromEntries(columns.map((c, j) => [c, fields[j]!.trim() || undefined]));
    const parsed = ZImportRow.safeParse(value);
    if (parsed.success) rows.push({ ...parsed.data, row });
    else errors.push(...fieldErrors(parsed.error.issues, value).map((e) => ({ ...e, path: `rows.${row}.${e.path}` })));
    const { type, region } = ZOrganizationInput.shape;
    const checked = { type: type.safeParse(value.type), region: region.safeParse(value.region) };
    references.push({ type: checked.type.data, region: checked.region.data, at: `rows.${row}.` });
  });
  return { rows, references, errors };
}

/** Unknown types and regions, at `<at>type` and `<at>region`; one query for each, whatever the number of rows. */
async function referenceErrors(db: Db, rows: Reference[]): Promise<FieldError[]> {
  const [types, regions] = await Promise.all([
    db.organizationType.findMany({ where: { code: { in: present(rows.map((r) => r.type)) } }, select: { code: true } }),
    db.region.findMany({ where: { code: { in: present(rows.map((r) => r.region)) } }, select: { code: true } }),
  ]);
  const knownTypes = new Set(types.map((t) => t.code));
  const knownRegions = new Set(regions.map((r) => r.code));
  return rows.flatMap((r): FieldError[] => [
    ...(r.region === undefined || knownRegions.has(r.region) ? [] : [{ path: `${r.at}region`, code: 'unknown_region' as const, message: 'unknown region' }]),
    ...(r.type === undefined || knownTypes.has(r.type) ? [] : [{ path: `${r.at}type`, code: 'unknown_organization_type' as const, message: 'unknown organization type' }]),
  ]);
}

/** A type and a region to look up (either missing when malformed), and where to report them: `rows.3.` or `` for a single organisation. */
interface Reference {
  type?: string;
  region?: string;
  at: string;
}

function present(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

/** Errors in the order of the file: by row, then by column (code, name, type, region, founderLevel). */
function byRow(a: FieldError, b: FieldError): number {
  const place = (e: FieldError) => {
    const [, row = '0', column = ''] = /^rows\.(\d+)\.?(\w*)/.exec(e.path) ?? [];
    return [Number(row), (IMPORT_COLUMNS as readonly string[]).indexOf(column)];
  };
  const [[rowA, columnA], [rowB, columnB]] = [place(a), place(b)];
  return rowA - rowB || columnA - columnB;
}
