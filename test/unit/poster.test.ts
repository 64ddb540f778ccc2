/**
 * The organisation's poster (Regulation II.7а) as a printer and a visitor's phone would
 * take it: a valid PDF of one A4 page, with the organisation's name, what the citizen
 * should expect and the public page's URL as text (read back through the fonts' ToUnicode
 * maps by test/helpers/pdf.ts), and a QR code whose squares, read back from the page, are
 * module for module the QR symbol of that URL (the `qrcode` library's own encoding of it:
 * no QR decoder is installed, so the check is "the symbol drawn is the symbol of this URL",
 * not an independent decode). The SVG QR code likewise.
 */
import QRCode from 'qrcode';
import { posterPdf, publicPageUrl, qrSvg, QR_OPTIONS } from '../../src/cabinet/poster';
import { parsePdf } from '../helpers/pdf';

const ORG = { code: '1024200000001', name: 'ГБУЗ «Городская больница № 1» им. Н. И. Пирогова' };
const URL = publicPageUrl('https://feedback.example.ru', ORG.code);
const A4 = [0, 0, 595.28, 841.89];

/** The dark modules the rectangles cover, as a size × size matrix of 0/1 (rows top-down, as the page's flipped CTM draws). */
function modulesFrom(rects: { x: number; y: number; w: number; h: number }[]): number[][] {
  const size = rects[0].h;
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const n = Math.round((Math.max(...rects.map((r) => r.x + r.w)) - x0) / size);
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const r of rects) {
    const row = Math.round((r.y - y0) / size);
    const first = Math.round((r.x - x0) / size);
    for (let c = first; c < first + Math.round(r.w / size); c++) matrix[row][c] = 1;
  }
  return matrix;
}

function expectedModules(url: string): number[][] {
  const { modules } = QRCode.create(url, QR_OPTIONS);
  return Array.from({ length: modules.size }, (_, r) => Array.from({ length: modules.size }, (_, c) => (modules.get(r, c) ? 1 : 0)));
}

test('the public page URL is the base URL and the organisation code', () => {
  expect(URL).toBe('https://feedback.example.ru/o/1024200000001');
});

test('the poster is one A4 page with the organisation, what to expect, and the URL', async () => {
  const pdf = await posterPdf(ORG, URL);
  const parsed = parsePdf(pdf);
  expect(parsed.header).toMatch(/^%PDF-1\.\d/);
  expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
  expect(parsed.pages).toHaveLength(1);
  expect(parsed.pages[0].mediaBox.map((v) => Math.round(v))).toEqual(A4.map((v) => Math.round(v)));
  const { text } = parsed.pages[0];
  // A long name wraps: lines are joined by one space, as a reader reads them.
  const flat = text.replace(/\s+/g, ' ');
  expect(text).toContain('Оцените качество услуг');
  expect(flat).toContain(ORG.name);
  expect(text.split('\n')).toContain(URL); // on a line of its own, unbroken
  for (const promise of ['электронную почту', 'личном кабинете портала «Госуслуги»', 'анонимная', 'один месяц']) expect(flat).toContain(promise);
  expect(pdf.length).toBeLessThan(150_000);
});

test('a long official name still fits on the one page', async () => {
  const name = `Государственное бюджетное учреждение здравоохранения Кемеровской области — Кузбасса «${'Областная клиническая больница имени С. В. Беляева '.repeat(5).trim()}»`;
  expect(name.length).toBeGreaterThan(300);
  const { pages } = parsePdf(await posterPdf({ ...ORG, name }, URL));
  expect(pages).toHaveLength(1);
  expect(pages[0].text.replace(/\s+/g, ' ')).toContain(name);
  expect(pages[0].text.split('\n')).toContain(URL);
});

test('the poster\'s QR code is the symbol of the public page URL', async () => {
  const { pages } = parsePdf(await posterPdf(ORG, URL));
  const rects = pages[0].rects;
  expect(rects.length).toBeGreaterThan(50);
  expect(new Set(rects.map((r) => r.h.toFixed(4))).size).toBe(1); // every rectangle is one module high
  expect(modulesFrom(rects)).toEqual(expectedModules(URL));
  // A different URL would have drawn a different symbol: the comparison can fail.
  expect(modulesFrom(rects)).not.toEqual(expectedModules(`${URL}0`));
});

test('the SVG QR code is the same symbol', async () => {
  const svg = await qrSvg(URL);
  expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // qrcode's SVG draws the dark modules as one path of horizontal runs: "M x y h n" per run.
  const path = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)?.[1] ?? /<path[^>]*d="([^"]+)"[^>]*stroke="#000000"/.exec(svg)?.[1];
  expect(path).toBeDefined();
  const matrix = expectedModules(URL);
  const drawn = matrix.map((row) => row.map(() => 0));
  let x = 0;
  let y = 0;
  for (const [, cmd, a, b] of path!.matchAll(/([Mmh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?/g)) {
    if (cmd === 'M') [x, y] = [Number(a), Number(b)];
    else if (cmd === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let c = x; c < x + Number(a); c++) drawn[Math.floor(y) - 4][c - 4] = 1;
      x += Number(a);
    }
  }
  expect(drawn).toEqual(matrix);
});
