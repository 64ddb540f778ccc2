import { runInNewContext } from 'node:vm';
import { QUESTIONNAIRE_V1 } from '../../src/domain/questionnaire';
import { ASSETS, PALETTE, QUESTIONNAIRE_CSS, QUESTIONNAIRE_JS } from '../../src/web/assets';
import { html, raw } from '../../src/web/html';
import {
  errorPage, linkStatusPage, questionnairePage, thankYouPage, unsubscribePage,
  type LinkStatusKind, type QuestionnairePageInput,
} from '../../src/web/pages';

const base: QuestionnairePageInput = {
  actionUrl: '/q/tok?a=1&b=2',
  organization: { name: 'ГБУЗ «Городская поликлиника № 12»', typeName: 'Поликлиника' },
  service: { kind: 'one_time', date: '2026-03-02' },
  questionnaire: QUESTIONNAIRE_V1,
  round: 1,
  closesAt: new Date('2026-04-01T21:00:00Z'), // 00:00 on 2 April in Moscow: the link works through 1 April
  unsubscribeUrl: '/unsubscribe/tok',
};

/** The start tags named `name`, with their attributes (no DOM: the markup is ours and regular). */
function tags(doc: string, name: string): Record<string, string>[] {
  return [...doc.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'gi'))].map((m) =>
    Object.fromEntries([...m[1].matchAll(/([\w:-]+)(?:="([^"]*)")?/g)].map((a) => [a[1], a[2] ?? ''])),
  );
}
const text = (fragment: string) => fragment.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
const labelFor = (doc: string, id: string) => [...doc.matchAll(new RegExp(`<label[^>]*for="${id}"[^>]*>([\\s\\S]*?)</label>`, 'g'))].map((m) => text(m[1]));
const fieldset = (doc: string, id: string) => new RegExp(`<fieldset[^>]*id="${id}"[\\s\\S]*?</fieldset>`).exec(doc)?.[0] ?? '';

describe('questionnairePage', () => {
  const doc = questionnairePage(base);

  it('is a Russian document with a real title, one h1, a skip link and the app-served assets', () => {
    expect(doc).toMatch(/^<!DOCTYPE html>\n<html lang="ru">/);
    expect(doc).toContain('<title>Оцените качество услуги — Оценка качества услуг</title>');
    expect(doc.match(/<h1\b/g)).toHaveLength(1);
    expect(doc).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(doc).toContain('<a class="skip-link" href="#main">');
    expect(doc).toContain('<main id="main"');
    expect(doc).toContain('<link rel="stylesheet" href="/assets/questionnaire.css">');
    expect(doc).toContain('<script src="/assets/questionnaire.js" defer></script>');
  });

  it('shows the organisation, the service date and how long the link works, in Moscow time', () => {
    expect(text(doc)).toContain('Организация ГБУЗ «Городская поликлиника № 12» Поликлиника');
    expect(text(doc)).toContain('Услуга 2 марта 2026 г.');
    expect(text(doc)).toContain('Анкета доступна до 1 апреля 2026 г.');
    expect(text(doc)).toContain('Участие добровольное');
    expect(text(doc)).toContain('около 2 минут');
    const long = text(questionnairePage({ ...base, service: { kind: 'long', date: '2025-09-01' }, closesAt: null, round: 2 }));
    expect(long).toContain('получение услуги с 1 сентября 2025 г.');
    expect(long).toContain('до окончания получения услуги');
    expect(long).toContain('раз в полгода');
  });

  it('asks each item in a fieldset with its question as the legend and the scale words visible', () => {
    expect(tags(doc, 'fieldset')).toHaveLength(7);
    QUESTIONNAIRE_V1.items.forEach((item, i) => {
      const set = fieldset(doc, `q-${item.key}`);
      expect(text(/<legend>([\s\S]*?)<\/legend>/.exec(set)![1])).toBe(`Вопрос ${i + 1} из 7 ${item.text}`);
      const radios = tags(set, 'input');
      expect(radios.every((r) => r.type === 'radio' && r.name === item.key)).toBe(true);
      expect(radios.map((r) => r.value)).toEqual(item.allowsNotApplicable ? ['1', '2', '3', '4', '5', 'na'] : ['1', '2', '3', '4', '5']);
      expect(radios.map((r) => labelFor(set, r.id)[0])).toEqual(
        [...QUESTIONNAIRE_V1.scale.map((w, s) => `${s + 1} ${w}`), ...(item.allowsNotApplicable ? ['не применимо'] : [])],
      );
    });
    expect(doc.match(/value="na"/g)).toHaveLength(1);
    expect(tags(doc, 'input').find((i) => i.value === 'na')?.name).toBe('accessibility');
  });

  it('labels every control exactly once, with unique ids', () => {
    const ids = [...doc.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const controls = [...tags(doc, 'input'), ...tags(doc, 'textarea')];
    expect(controls).toHaveLength(36 + 1);
    for (const control of controls) expect(labelFor(doc, control.id)).toHaveLength(1);
  });

  it('posts a plain form: every item and a labelled, limited comment with a polite live counter', () => {
    expect(tags(doc, 'form')).toEqual([{ method: 'post', action: '/q/tok?a=1&amp;b=2' }]);
    const [comment] = tags(doc, 'textarea');
    expect(comment).toMatchObject({ id: 'comment', name: 'comment', maxlength: '2000' });
    expect(labelFor(doc, 'comment')).toEqual(['Комментарий (необязательно)']);
    for (const id of comment['aria-describedby'].split(' ')) expect(doc).toContain(`id="${id}"`);
    expect(doc).toContain('<p class="visually-hidden" id="comment-counter-live" aria-live="polite"></p>');
    expect(text(doc)).toContain('Не более 2000 символов.'); // without JavaScript
    expect(doc).toMatch(/<button type="submit"[^>]*>Отправить ответы<\/button>/);
    expect(doc).toMatch(/<footer[\s\S]*<a href="\/unsubscribe\/tok">Отписаться от писем<\/a>/);
    expect(doc).not.toContain('checked');
    expect(doc).not.toContain('aria-invalid');
    expect(doc).not.toContain('role="alert"');
  });

  describe('after a failed submit', () => {
    const failed = questionnairePage({
      ...base,
      values: { info: '4', accessibility: 'na', competence: '7', comment: 'Очень долго ждали & <b>долго</b>' },
      errors: [
        { path: 'answers.process', message: 'Выберите оценку от 1 до 5.' },
        { path: 'answers.accessibility', message: 'Выберите оценку от 1 до 5 или «не применимо».' },
        { path: 'comment', message: 'Комментарий должен быть не длиннее 2000 символов.' },
      ],
    });

    it('keeps the citizen’s choices and comment', () => {
      const checked = tags(failed, 'input').filter((i) => 'checked' in i).map((i) => i.id);
      expect(checked).toEqual(['q-info-4', 'q-accessibility-na']);
      expect(failed).toContain('>Очень долго ждали &amp; &lt;b&gt;долго&lt;/b&gt;</textarea>');
    });

    it('starts with an alert summary linking to each erroneous field', () => {
      expect(failed).toContain('<title>Ошибка: Оцените качество услуги — Оценка качества услуг</title>');
      const summary = /<div class="error-summary"[^>]*>[\s\S]*?<\/div>/.exec(failed)![0];
      expect(failed.indexOf(summary)).toBeLessThan(failed.indexOf('<h1'));
      expect(tags(summary, 'div')[0]).toMatchObject({ role: 'alert', tabindex: '-1' });
      expect(summary).toContain('<h2 id="error-summary-title">Исправьте ошибки</h2>');
      const hrefs = tags(summary, 'a').map((a) => a.href);
      expect(hrefs).toEqual(['#q-process', '#q-accessibility', '#comment']);
      for (const href of hrefs) expect(failed).toContain(`id="${href.slice(1)}"`);
      expect(text(summary)).toContain('Вопрос 2: Выберите оценку от 1 до 5.');
    });

    it('puts each message by its field and ties it to the inputs', () => {
      for (const key of ['process', 'accessibility']) {
        const set = fieldset(failed, `q-${key}`);
        expect(set).toContain(`<p class="field-error" id="q-${key}-error">`);
        for (const radio of tags(set, 'input')) expect(radio).toMatchObject({ 'aria-invalid': 'true', 'aria-describedby': `q-${key}-error` });
      }
      for (const radio of tags(fieldset(failed, 'q-info'), 'input')) expect(radio['aria-invalid']).toBeUndefined();
      const [comment] = tags(failed, 'textarea');
      expect(comment['aria-invalid']).toBe('true');
      expect(comment['aria-describedby'].split(' ')).toContain('comment-error');
      expect(failed).toContain('id="comment-error"');
    });
  });

  it('escapes a hostile organisation name and hostile values', () => {
    const hostile = questionnairePage({
      ...base,
      organization: { name: '<script>alert("x")</script>', typeName: '<img src=x onerror=alert(1)>' },
      values: { info: '"><script>x</script>', comment: '</textarea><script>x</script>' },
    });
    expect(hostile).not.toMatch(/<script>|<img/);
    expect(hostile).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(hostile).not.toContain('checked');
  });
});

describe('every page under the strict CSP', () => {
  const pages: [string, string][] = [
    ['questionnaire', questionnairePage({ ...base, errors: [{ path: 'answers.info', message: 'Выберите оценку от 1 до 5.' }] })],
    ['thank you', thankYouPage({ organizationName: 'X', longService: false })],
    ...(['not_yet_active', 'answered', 'closed', 'withdrawn', 'unknown'] as const).map((k): [string, string] => [k, linkStatusPage(k)]),
    ...(['confirm', 'done', 'unknown'] as const).map((s): [string, string] => [`unsubscribe ${s}`, unsubscribePage(s, { actionUrl: '/u' })]),
    ...(['unavailable', 'too_many_requests', 'bad_request', 'failed'] as const).map((k): [string, string] => [`error ${k}`, errorPage(k)]),
  ];

  it.each(pages)('%s: no inline style or script, no handlers, no external assets, one h1', (_name, doc) => {
    expect(doc).not.toMatch(/\sstyle=|<style/i);
    expect(doc).not.toMatch(/\son[a-z]+=/i);
    expect(doc).not.toMatch(/https?:\/\//);
    for (const m of doc.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(m[1]).toMatch(/src="\/assets\//);
      expect(m[2]).toBe('');
    }
    expect(doc).toContain('<html lang="ru">');
    expect(doc.match(/<h1\b/g)).toHaveLength(1);
  });
});

describe('thankYouPage', () => {
  it('thanks and says what happens next', () => {
    expect(text(thankYouPage({ organizationName: 'Школа № 5', longService: false }))).toMatch(/Спасибо! Ваши ответы приняты[\s\S]*Школа № 5[\s\S]*повторно/);
    expect(text(thankYouPage({ organizationName: 'Школа № 5', longService: true }))).toContain('через полгода мы пришлём новое приглашение');
  });
});

describe('linkStatusPage', () => {
  const cases: [LinkStatusKind, string[]][] = [
    ['not_yet_active', ['Анкета ещё не открыта', 'мы пришлём письмо']],
    ['answered', ['Вы уже ответили на вопросы анкеты', 'повторно ответить по этой ссылке нельзя']],
    ['closed', ['Срок ответа истёк', 'Ответить по ней больше нельзя']],
    ['withdrawn', ['Приглашение отозвано', 'обратитесь в организацию']],
    ['unknown', ['Ссылка не найдена', 'скопирован из письма полностью']],
  ];
  it.each(cases)('%s explains itself in Russian', (kind, phrases) => {
    const doc = linkStatusPage(kind, { organizationName: '<b>ДЮСШ</b>' });
    for (const phrase of phrases) expect(text(doc)).toContain(phrase);
    expect(doc).not.toContain('<b>');
    if (kind !== 'unknown') expect(doc).toContain('Организация: &lt;b&gt;ДЮСШ&lt;/b&gt;');
  });

  it('tells a long-service citizen when the next round opens, as a Moscow date', () => {
    const page = text(linkStatusPage('answered', { nextRoundOpensAt: new Date('2026-02-28T22:30:00Z') }));
    expect(page).toContain('Следующий раз оценить услугу можно будет с 1 марта 2026 г.');
    expect(text(linkStatusPage('answered', { nextRoundOpensAt: null }))).not.toContain('Следующий раз');
  });
});

describe('unsubscribePage', () => {
  it('asks for confirmation with a POST form: a GET (a mail scanner) unsubscribes nobody', () => {
    const doc = unsubscribePage('confirm', { actionUrl: '/unsubscribe/tok', organizationName: 'Детский сад № 7' });
    expect(tags(doc, 'form')).toEqual([{ method: 'post', action: '/unsubscribe/tok' }]);
    expect(doc).toMatch(/<button type="submit"[^>]*>Отписаться от писем<\/button>/);
    expect(text(doc)).toContain('Детский сад № 7');
    expect(text(doc)).toContain('Ссылка на анкету продолжит работать, пока она открыта');
  });

  it('confirms the unsubscription and explains an unknown link', () => {
    const done = text(unsubscribePage('done'));
    expect(done).toContain('Вы отписались от писем');
    expect(done).toContain('Ссылка на анкету продолжает работать, пока она открыта');
    expect(text(unsubscribePage('unknown'))).toContain('Ссылка не найдена');
  });
});

describe('html', () => {
  it('escapes interpolations unless they are html or raw, and renders lists and absent values', () => {
    const items = ['<a>', 'b&c'].map((s) => html`<li>${s}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${raw('<hr>')}${3}`.toString()).toBe('<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul><hr>3');
    expect(html`<p title="${`"'`}">`.toString()).toBe('<p title="&quot;&#39;">');
  });
});

/** WCAG 2.1 relative luminance and contrast ratio. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('assets', () => {
  const P = PALETTE;
  it.each([
    ['text on the page', 4.5, P.text, P.background],
    ['text on a card', 4.5, P.text, P.surface],
    ['text on a selected answer', 4.5, P.text, P.selected],
    ['hints on a card', 4.5, P.muted, P.surface],
    ['hints on the page', 4.5, P.muted, P.background],
    ['links on the page', 4.5, P.primary, P.background],
    ['links on a card', 4.5, P.primary, P.surface],
    ['button and header text', 4.5, P.onPrimary, P.primary],
    ['hovered button text', 4.5, P.onPrimary, P.primaryHover],
    ['errors on a card', 4.5, P.error, P.surface],
    ['focused link text', 4.5, P.focus, P.focusHalo],
    ['input borders (non-text)', 3, P.border, P.surface],
    ['focus ring on the page (non-text)', 3, P.focus, P.background],
    ['focus halo around a button (non-text)', 3, P.focusHalo, P.primary],
  ])('%s: contrast at least %d', (_what, min, fg, bg) => {
    expect(contrast(fg as string, bg as string)).toBeGreaterThanOrEqual(min as number);
  });

  it('builds the stylesheet from the palette, with visible focus, large targets, reduced motion', () => {
    for (const colour of Object.values(PALETTE)) expect(QUESTIONNAIRE_CSS).toContain(colour);
    expect(QUESTIONNAIRE_CSS).toContain(':focus-visible{outline:3px solid var(--focus)');
    expect(QUESTIONNAIRE_CSS).toMatch(/\.option label\{[^}]*min-height:3rem/); // 48px at the default size
    expect(QUESTIONNAIRE_CSS).toContain('@media (prefers-reduced-motion:reduce)');
    expect(QUESTIONNAIRE_CSS).not.toMatch(/url\(|@import/);
  });

  it('counts the characters left in Russian and focuses the error summary', () => {
    const field = { value: '', getAttribute: (n: string) => ({ maxlength: '2000', 'data-counter': 'c' })[n] ?? null, addEventListener: jest.fn() };
    const shown = { textContent: '', classList: { toggle: jest.fn() } };
    const summary = { focus: jest.fn() };
    const document = {
      querySelectorAll: () => [field],
      getElementById: (id: string) => (id === 'c' ? shown : null),
      querySelector: () => summary,
    };
    runInNewContext(QUESTIONNAIRE_JS, { document, setTimeout, clearTimeout });
    expect(shown.textContent).toBe('Осталось 2000 символов');
    expect(summary.focus).toHaveBeenCalled();
    const onInput = field.addEventListener.mock.calls[0][1] as () => void;
    for (const [length, message] of [
      [1999, 'Остался 1 символ'], [1998, 'Осталось 2 символа'], [1989, 'Осталось 11 символов'],
      [1979, 'Остался 21 символ'], [2003, 'Слишком длинный текст: удалите 3 символа'],
    ] as const) {
      field.value = 'x'.repeat(length);
      onInput();
      expect(shown.textContent).toBe(message);
    }
  });

  it('serves the counter script and the stylesheet with their types', () => {
    expect(QUESTIONNAIRE_JS).not.toMatch(/innerHTML|eval\(|new Function/);
    expect(ASSETS['/assets/questionnaire.css']).toMatchObject({ contentType: 'text/css; charset=utf-8', body: QUESTIONNAIRE_CSS });
    expect(ASSETS['/assets/questionnaire.js']).toMatchObject({ contentType: 'text/javascript; charset=utf-8', body: QUESTIONNAIRE_JS });
    expect(ASSETS['/assets/questionnaire.js'].etag).toMatch(/^"[\w-]{22}"$/);
  });
});
