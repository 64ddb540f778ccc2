/**
 * Just enough of a PDF reader for the poster's tests (uncompressed PDFs as pdfkit writes
 * them with `compress: false`): the objects, the pages and their media boxes, the text of
 * a page decoded through each font's ToUnicode map, and the filled rectangles it draws.
 * Written from the PDF 1.7 reference, not from pdfkit's code, so a test does not read
 * back what the writer believes it wrote.
 */

export interface PdfObject {
  dict: string;
  stream: string | null;
}

export interface ParsedPdf {
  header: string;
  objects: Map<number, PdfObject>;
  pages: { mediaBox: number[]; text: string; rects: { x: number; y: number; w: number; h: number }[] }[];
}

/** Reads every `N 0 obj … endobj`, skipping stream bodies by their /Length (they may hold any bytes). */
function readObjects(pdf: string): Map<number, PdfObject> {
  const objects = new Map<number, PdfObject>();
  const start = /(\d+) 0 obj\b/g;
  let m: RegExpExecArray | null;
  while ((m = start.exec(pdf)) !== null) {
    const bodyStart = m.index + m[0].length;
    const streamAt = pdf.indexOf('stream', bodyStart);
    const endAt = pdf.indexOf('endobj', bodyStart);
    if (streamAt !== -1 && streamAt < endAt) {
      const dict = pdf.slice(bodyStart, streamAt);
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const dataStart = streamAt + 'stream'.length + (pdf[streamAt + 6] === '\r' ? 2 : 1);
      objects.set(Number(m[1]), { dict, stream: pdf.slice(dataStart, dataStart + length) });
      start.lastIndex = pdf.indexOf('endobj', dataStart + length);
    } else {
      objects.set(Number(m[1]), { dict: pdf.slice(bodyStart, endAt), stream: null });
      start.lastIndex = endAt;
    }
  }
  return objects;
}

const ref = (dict: string, key: string): number | null => {
  const m = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dict);
  return m ? Number(m[1]) : null;
};

/** A ToUnicode CMap's bfchar and bfrange entries, code → text. */
function readCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const utf16 = (hex: string) => String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, text] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(code, 16), utf16(text));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, target] of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const first = parseInt(lo, 16);
      const last = parseInt(hi, 16);
      if (target.startsWith('[')) {
        [...target.matchAll(/<([0-9a-fA-F]*)>/g)].forEach(([, hex], i) => map.set(first + i, utf16(hex)));
      } else {
        const base = parseInt(target.slice(1, -1), 16);
        for (let code = first; code <= last; code++) map.set(code, String.fromCharCode(base + code - first));
      }
    }
  }
  return map;
}

/** The text a content stream shows (Tj and TJ with hex strings of two-byte codes), each text object on its own line. */
function showText(content: string, fonts: Map<string, Map<number, string>>): string {
  const lines: string[] = [];
  let font = new Map<number, string>();
  let line = '';
  const decode = (hex: string) => (hex.match(/.{4}/g) ?? []).map((c) => font.get(parseInt(c, 16)) ?? '\uFFFD').join('');
  for (const [token] of content.matchAll(/\/\w+ [\d.]+ Tf|\[[^\]]*\]\s*TJ|<[0-9a-fA-F]*>\s*Tj|\bET\b/g)) {
    if (token.endsWith('Tf')) font = fonts.get(token.split(' ')[0].slice(1)) ?? new Map();
    else if (token === 'ET') {
      lines.push(line);
      line = '';
    } else line += [...token.matchAll(/<([0-9a-fA-F]*)>/g)].map(([, hex]) => decode(hex)).join('');
  }
  return lines.join('\n');
}

export function parsePdf(bytes: Buffer): ParsedPdf {
  const pdf = bytes.toString('latin1');
  const objects = readObjects(pdf);
  const pages: ParsedPdf['pages'] = [];
  for (const obj of objects.values()) {
    if (!/\/Type\s*\/Page\b(?!s)/.test(obj.dict)) continue;
    const mediaBox = (/\/MediaBox\s*\[([^\]]*)\]/.exec(obj.dict)?.[1] ?? '').trim().split(/\s+/).map(Number);
    const resources = objects.get(ref(obj.dict, 'Resources') ?? -1)?.dict ?? obj.dict;
    const fontDict = /\/Font\s*<<([\s\S]*?)>>/.exec(resources)?.[1] ?? '';
    const fonts = new Map<string, Map<number, string>>();
    for (const [, name, id] of fontDict.matchAll(/\/(\w+)\s+(\d+) 0 R/g)) {
      const toUnicode = ref(objects.get(Number(id))?.dict ?? '', 'ToUnicode');
      fonts.set(name, readCMap(objects.get(toUnicode ?? -1)?.stream ?? ''));
    }
    const contentsId = ref(obj.dict, 'Contents');
    const content = objects.get(contentsId ?? -1)?.stream ?? '';
    const rects = [...content.matchAll(/(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re\b/g)].map(([, x, y, w, h]) => ({ x: Number(x), y: Number(y), w: Number(w), h: Number(h) }));
    pages.push({ mediaBox, text: showText(content, fonts), rects });
  }
  return { header: pdf.slice(0, 8), objects, pages };
}
