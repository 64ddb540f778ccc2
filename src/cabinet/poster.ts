/**
 * The informing duty of Regulation II.7а: a printable A4 poster for an organisation's
 * visitors (what to expect after the service: a personal link by e-mail and in the portal's
 * personal account, a short anonymous questionnaire, the link valid a month) with a QR
 * code of the organisation's public page (`/o/<code>`), and the QR code alone as SVG.
 *
 * The QR code is drawn as vector squares (sharp at any print size), and the PDF is written
 * uncompressed: it stays small (the fonts are subset), and its text and the QR's squares
 * can be read back by a test.
 */
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Db } from '../db/client';
import { inScope, type Principal } from '../domain/scope';

/** The QR code's error correction: M (15 %) survives a smudged or partly covered print. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M' } as const;
/** Modules of empty margin around the code, as the QR standard asks. */
const QUIET_ZONE = 4;

const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONTS = { regular: join(FONT_DIR, 'DejaVuSans.ttf'), bold: join(FONT_DIR, 'DejaVuSans-Bold.ttf') };

export interface PosterOrganization {
  code: string;
  name: string;
}

/** The public page of an organisation, which the QR code opens. */
export function publicPageUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl}/o/${encodeURIComponent(code)}`;
}

/**
 * Whose poster a participant may have: a head of organisation its own only; a federal,
 * sector, region or admin participant any organisation in its scope, named by `?organization=`.
 */
export async function posterOrganization(
  db: Db,
  principal: Principal,
  requested: string | undefined,
): Promise<{ ok: true; organization: PosterOrganization } | { ok: false; status: 403 | 404 }> {
  const code = requested ?? principal.organizationCode ?? undefined;
  if (!code || !/^[\w-]{1,64}$/.test(code)) return { ok: false, status: 404 };
  if (principal.role === 'organization' && code !== principal.organizationCode) return { ok: false, status: 403 };
  const org = await db.organization.findUnique({ where: { code }, include: { type: true } });
  // Organisation codes are public (their pages are), so an unknown one may say so.
  if (!org) return { ok: false, status: 404 };
  if (!inScope(principal, { code: org.code, regionCode: org.regionCode, sector: org.type.sector })) return { ok: false, status: 403 };
  return { ok: true, organization: { code: org.code, name: org.name } };
}

export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { ...QR_OPTIONS, type: 'svg', margin: QUIET_ZONE });
}

/** The poster: one A4 page. */
export function posterPdf(org: PosterOrganization, url: string): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    compress: false,
    info: { Title: `Оцените качество услуг: ${org.name}`, Subject: 'Информирование граждан о возможности оценить организацию (Положение, п. II.7а)' },
    lang: 'ru-RU',
    displayTitle: true,
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const ink = '#1a1a1a';
  const accent = '#0b5cad';

  doc.fillColor(accent).font('bold').fontSize(30).text('Оцените качество услуг', { width });
  doc.moveDown(0.3);
  // Long official names (a few hundred characters) still leave the page one page.
  doc.fillColor(ink).font('bold').fontSize(org.name.length > 90 ? 13 : 18).text(org.name, { width });
  doc.moveDown(0.8);
  doc.font('regular').fontSize(13).text('Вы получили у нас услугу? Расскажите, как всё прошло: ваши ответы помогают нам работать лучше.', { width });
  doc.moveDown(0.6);
  const points = [
    'В течение нескольких дней после услуги вам придёт персональная ссылка на анкету: письмом на электронную почту, указанную на портале «Госуслуги», и в личном кабинете портала «Госуслуги».',
    'Анкета короткая и анонимная: семь вопросов с оценкой от 1 до 5 и комментарий по желанию. Организация не узнает, кто именно ответил.',
    'Ссылка действует один месяц после получения услуги (при длительной услуге — всё время её получения).',
    'Нужна подтверждённая учётная запись портала «Госуслуги». За ребёнка до 18 лет отвечает родитель или законный представитель.',
    'Участие добровольное.',
  ];
  for (const point of points) {
    doc.font('bold').text('•  ', { continued: true }).font('regular').text(point, { width });
    doc.moveDown(0.4);
  }

  const qr = QRCode.create(url, QR_OPTIONS);
  const side = 190;
  const module = side / (qr.modules.size + 2 * QUIET_ZONE);
  const top = doc.y + 18;
  const x0 = left + (width - side) / 2;
  drawQr(doc, qr.modules, x0 + QUIET_ZONE * module, top + QUIET_ZONE * module, module);
  doc.y = top + side + 6;
  doc.fillColor(ink).font('regular').fontSize(12).text('Как получить ссылку и итоги оценки нашей организации:', left, doc.y, { width, align: 'center' });
  doc.moveDown(0.2);
  doc.font('bold').fontSize(12).fillColor(accent).text(url, { width, align: 'center', link: url, underline: false });
  doc.fillColor('#555555').font('regular').fontSize(9)
    .text('Информирование граждан о возможности оценить организацию на портале «Госуслуги» (Положение о системе оценки, раздел II, п. 7а).', left, doc.page.height - doc.page.margins.bottom - 24, { width, align: 'center' });
  doc.end();
  return done;
}

/** Dark modules as filled squares, each row's runs joined into one rectangle. */
function drawQr(doc: PDFKit.PDFDocument, modules: QRCode.BitMatrix, x: number, y: number, size: number): void {
  doc.save().fillColor('#000000');
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (!modules.get(row, col)) continue;
      let run = 1;
      while (col + run < modules.size && modules.get(row, col + run)) run++;
      doc.rect(x + col * size, y + row * size, run * size, size);
      col += run - 1;
    }
  }
  doc.fill().restore();
}
