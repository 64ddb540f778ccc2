/**
 * POST /v1/organizations/import through the real app on real Postgres: a CSV file is
 * checked row by row first, refused whole with per-row errors, or stored whole; a region's
 * administrator imports its own region's rows only. Files as spreadsheets write them: a BOM,
 * quoted fields with commas, quotes and line breaks, Cyrillic, `;` between fields.
 */
import { createTestApp, type TestApp } from './app-helper';

let t: TestApp;
let admin42: string;

beforeAll(async () => {
  t = await createTestApp();
  admin42 = await t.key('admin', { regions: ['42'] }, 'Минсоцзащиты Кузбасса');
});
afterAll(async () => t?.close());

const importCsv = (key: string, csv: string | Buffer, contentType = 'text/csv; charset=utf-8') =>
  t.call(key, { method: 'POST', url: '/v1/organizations/import', headers: { 'content-type': contentType }, payload: csv });
let serial = 0;
const code = (region: string) => `10${region}${String(process.pid % 10_000).padStart(4, '0')}${String(++serial).padStart(5, '0')}`;
const errorsOf = (res: { json(): { errors?: { path: string; code: string }[] } }) => (res.json().errors ?? []).map((e) => [e.path, e.code]);
const stored = (codes: string[]) => t.tdb.db.organization.findMany({ where: { code: { in: codes } }, orderBy: { code: 'asc' } });

describe('a valid file', () => {
  test('with a BOM, quoted fields (commas, doubled quotes, a line break) and Cyrillic: all rows created, then updated', async () => {
    const [a, b] = [code('42'), code('54')];
    const csv = '\uFEFFcode,name,type,region,founderLevel\r\n'
      + `${a},"МБОУ «Школа № 1», корпус ""Б""",general_education,42,municipal\r\n`
      + `${b},"ГБУЗ НСО ""Больница""\nфилиал",healthcare,54,regional\r\n`;
    const res = await importCsv(t.keys.admin, csv);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ created: 2, updated: 0 });
    expect((await stored([a, b])).map((o) => [o.code, o.name, o.typeCode, o.regionCode, o.founderLevel])).toEqual([
      [a, 'МБОУ «Школа № 1», корпус "Б"', 'general_education', '42', 'municipal'],
      [b, 'ГБУЗ НСО "Больница"\nфилиал', 'healthcare', '54', 'regional'],
    ].sort());

    const again = await importCsv(t.keys.admin, `code,name,type,region,founderLevel\n${a},МБОУ «Гимназия № 1»,general_education,42,regional\n`);
    expect(again.json()).toEqual({ created: 0, updated: 1 });
    expect((await stored([a]))[0]).toMatchObject({ name: 'МБОУ «Гимназия № 1»', founderLevel: 'regional' });
    const audit = await t.tdb.db.auditEvent.findMany({ where: { action: 'organization.import' }, orderBy: { id: 'asc' } });
    expect(audit.at(-1)).toMatchObject({ actor: expect.stringMatching(/^key:[0-9a-f-]{36} \(admin-key\)$/), detail: { created: 0, updated: 1, codes: [a] } });
  });

  test('with ";" between fields (a Russian-locale spreadsheet), columns in another order, spaces around values', async () => {
    const [a, b] = [code('42'), code('42')];
    const csv = `region;code;founderLevel;type;name\n42; ${a} ;municipal;preschool_education;"МБДОУ «Детский сад № 5; ясли»"\n42;${b};municipal;sports;МБУ, СШ № 3\n`;
    const res = await importCsv(admin42, csv);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ created: 2, updated: 0 });
    expect((await stored([a, b])).map((o) => [o.code, o.name, o.typeCode])).toEqual([[a, 'МБДОУ «Детский сад № 5; ясли»', 'preschool_education'], [b, 'МБУ, СШ № 3', 'sports']]);
  });
});

describe('a file with errors: every error listed by row and column, nothing stored', () => {
  test('per-row errors across the whole file', async () => {
    const codes = [code('42'), code('42'), code('42'), code('42')];
    const csv = [
      'code,name,type,region,founderLevel',
      `${codes[0]},Хорошая строка,healthcare,42,regional`,
      `${codes[1]},,dentistry,42,private`,
      `${codes[2]},Третья,healthcare,77,regional`,
      `${codes[0]},Повтор кода,healthcare,42,regional`,
      `bad code!,Пятая,healthcare,4,regional`,
      `${codes[3]},Шестая,healthcare,42`,
    ].join('\n');
    const res = await importCsv(t.keys.admin, csv);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
    expect(errorsOf(res)).toEqual([
      ['rows.3.name', 'required'],
      ['rows.3.type', 'unknown_organization_type'],
      ['rows.3.founderLevel', 'invalid_value'],
      ['rows.4.region', 'unknown_region'],
      ['rows.5.code', 'duplicate_organization'],
      ['rows.6.code', 'invalid_format'],
      ['rows.6.region', 'invalid_format'],
      ['rows.7', 'invalid_format'],
    ]);
    expect(await stored(codes)).toEqual([]);
    // The messages never repeat what the file says.
    expect(res.body).not.toMatch(/dentistry|private|bad code/);
  });

  test('a region\'s administrator: rows of another region, and organisations registered in another region, are errors of their rows', async () => {
    const [mine, foreign, elsewhere] = [code('42'), code('54'), code('54')];
    expect((await t.call(t.keys.admin, { method: 'PUT', url: `/v1/organizations/${elsewhere}`, payload: { name: 'ГБУЗ НСО', type: 'healthcare', region: '54', founderLevel: 'regional' } })).statusCode).toBe(201);
    const csv = `code,name,type,region,founderLevel\n${mine},Своя,healthcare,42,regional\n${foreign},Чужая,healthcare,54,regional\n${elsewhere},Перенос к себе,healthcare,42,regional\n`;
    const res = await importCsv(admin42, csv);
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual([
      ['rows.3.region', 'organization_out_of_scope'],
      ['rows.4.code', 'organization_out_of_scope'],
    ]);
    expect(await stored([mine, foreign])).toEqual([]);
    expect((await stored([elsewhere]))[0]).toMatchObject({ regionCode: '54', name: 'ГБУЗ НСО' });
    // The same file is the national administrator's to import.
    expect((await importCsv(t.keys.admin, csv)).json()).toEqual({ created: 2, updated: 1 });
  });

  test.each([
    ['a missing column', 'code,name,type,region\n1,a,healthcare,42\n', [['header.founderLevel', 'required']]],
    ['an unknown column (named by its position)', 'code,name,type,region,founderLevel,inn\n1,a,healthcare,42,regional,7700\n', [['header.6', 'unknown_field']]],
    ['a column named twice', 'code,name,type,region,founderLevel,name\n1,a,healthcare,42,regional,b\n', [['header.6', 'unknown_field']]],
    ['an empty line keeps the rows numbered as a spreadsheet does', 'code,name,type,region,founderLevel\n\n1,a,healthcare,42,regional,x\n', [['rows.3', 'invalid_format']]],
    ['only a header', 'code,name,type,region,founderLevel\r\n', [['rows', 'too_few']]],
    ['an empty body', '', [['header.code', 'required'], ['header.name', 'required'], ['header.type', 'required'], ['header.region', 'required'], ['header.founderLevel', 'required'], ['rows', 'too_few']]],
    ['an unclosed quote on row 3', 'code,name,type,region,founderLevel\n1,a,healthcare,42,regional\n2,"b,healthcare,42,regional\n', [['rows.3', 'invalid_format']]],
  ])('%s → 422', async (_name, csv, expected) => {
    const res = await importCsv(t.keys.admin, csv);
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual(expected);
  });

  test('bytes that are not UTF-8 (a Windows-1251 file) are an error at their field, not mojibake stored', async () => {
    const c = code('42');
    const cp1251 = Buffer.concat([Buffer.from(`code,name,type,region,founderLevel\n${c},`), Buffer.from([0xd8, 0xea, 0xee, 0xeb, 0xe0]), Buffer.from(',healthcare,42,regional\n')]);
    const res = await importCsv(t.keys.admin, cp1251);
    expect(res.statusCode).toBe(422);
    expect(errorsOf(res)).toEqual([['rows.2.name', 'unstorable_text']]);
    expect(await stored([c])).toEqual([]);
  });
});

describe('who may import', () => {
  test('other roles get 403 wrong_role; no key 401', async () => {
    const csv = `code,name,type,region,founderLevel\n${code('42')},a,healthcare,42,regional\n`;
    expect((await importCsv(t.keys.region, csv)).json()).toMatchObject({ code: 'wrong_role' });
    expect((await importCsv(t.keys.integrator, csv)).json()).toMatchObject({ code: 'wrong_role' });
    expect((await importCsv('', csv)).statusCode).toBe(401);
  });
});

test('the OpenAPI document describes the route: its operation, a text/csv body, its answers', () => {
  const doc = (t.app as unknown as { swagger(): { paths: Record<string, Record<string, { operationId: string; requestBody: { content: object }; responses: object }>> } }).swagger();
  const operation = doc.paths['/v1/organizations/import'].post;
  expect(operation.operationId).toBe('importOrganizations');
  expect(Object.keys(operation.requestBody.content)).toEqual(['text/csv']);
  expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '422']));
  expect(doc.paths['/v1/organizations/{code}/deactivate'].post.operationId).toBe('deactivateOrganization');
  expect(doc.paths['/v1/organizations/{code}/reactivate'].post.operationId).toBe('reactivateOrganization');
});
