import { escapeHtml, linkValidUntil, renderInvitationEmail, type InvitationEmailInput } from '../../src/mail/templates';

const base: InvitationEmailInput = {
  organizationName: 'ГБУ «Центр социального обслуживания № 1»',
  serviceDate: '2026-11-23',
  link: 'https://feedback.example.test/q/abc123?x=1&y=2',
  unsubscribeLink: 'https://feedback.example.test/unsubscribe/abc123',
  closesAt: new Date('2026-12-23T09:00:00Z'),
  round: 1,
  reminder: false,
};

describe('renderInvitationEmail', () => {
  it('invites in Russian, says participation is voluntary and gives both links', () => {
    const email = renderInvitationEmail(base);
    expect(email.subject).toBe('Оцените качество полученной услуги');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Здравствуйте!');
      expect(part).toContain('23 ноября 2026 г.');
      expect(part).toContain('оценить качество');
      expect(part).toContain('Участие в опросе добровольное');
      expect(part).toContain('Ссылка действует до 23 декабря 2026 г.');
      expect(part).not.toContain('г..');
      expect(part).not.toContain('напоминание');
    }
    expect(email.text).toContain(base.organizationName);
    expect(email.text).toContain(`Оценить качество услуги: ${base.link}`);
    expect(email.text).toContain(`отпишитесь по ссылке: ${base.unsubscribeLink}`);
  });

  it('carries List-Unsubscribe with one-click unsubscribing (RFC 8058) at the unsubscribe link', () => {
    expect(renderInvitationEmail(base).headers).toEqual({
      'List-Unsubscribe': `<${base.unsubscribeLink}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('builds accessible HTML: lang="ru", descriptive link text, no external assets', () => {
    const { html } = renderInvitationEmail(base);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="ru">/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain(`<a href="${escapeHtml(base.link)}"`);
    expect(html).toMatch(/<a href="[^"]+q\/abc123\?x=1&amp;y=2"[^>]*>Оценить качество услуги<\/a>/);
    expect(html).toMatch(/<a href="[^"]+\/unsubscribe\/abc123"[^>]*>отказаться от писем об оценке качества услуг<\/a>/);
    expect(html).not.toMatch(/<img|<link|<script|url\(/i);
  });

  it('escapes every interpolated value in the HTML', () => {
    const hostile = `МБУ "Дом" <script>alert('x')</script> & Co`;
    const { html, text } = renderInvitationEmail({
      ...base,
      organizationName: hostile,
      link: 'https://feedback.example.test/q/t"><script>x</script>',
    });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"Дом"');
    expect(html).toContain('МБУ &quot;Дом&quot; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co');
    expect(html).toContain('href="https://feedback.example.test/q/t&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(text).toContain(hostile); // plain text is not HTML: no entities there
  });

  it('collapses line breaks in the organisation name', () => {
    const { text } = renderInvitationEmail({ ...base, organizationName: 'ГБУ\n«Центр»\r\n  № 2' });
    expect(text).toContain('в организации ГБУ «Центр» № 2.');
  });

  it('words a later round as the half-year reminder of a service still being received', () => {
    const email = renderInvitationEmail({ ...base, round: 3, reminder: true, closesAt: null });
    expect(email.subject).toBe('Напоминание: оцените качество получаемой услуги');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Это полугодовое напоминание');
      expect(part).toContain('С 23 ноября 2026 г. вы получаете услугу');
      expect(part).toContain('Ссылка действует до окончания получения услуги.');
      expect(part).toContain('Участие в опросе добровольное');
    }
  });
});

describe('linkValidUntil (Moscow time)', () => {
  it.each([
    // 20:59 UTC is still 23:59 on the 23rd in Moscow.
    ['2026-12-23T20:59:00Z', 'до 23 декабря 2026 г.'],
    // 21:30 UTC is already 00:30 on the 24th in Moscow, though still the 23rd in UTC.
    ['2026-12-23T21:30:00Z', 'до 24 декабря 2026 г.'],
    // Closing at the very end of the 23rd (00:00 MSK of the 24th): the last day is the 23rd.
    ['2026-12-23T21:00:00Z', 'до 23 декабря 2026 г.'],
    // 22:00 UTC on 31 December is 01:00 on 1 January in Moscow.
    ['2026-12-31T22:00:00Z', 'до 1 января 2027 г.'],
    ['2027-02-28T12:00:00Z', 'до 28 февраля 2027 г.'],
  ])('closesAt %s → %s', (instant, expected) => {
    expect(linkValidUntil(new Date(instant))).toBe(expected);
  });

  it('says the link lasts as long as the service when there is no closing date', () => {
    expect(linkValidUntil(null)).toBe('до окончания получения услуги');
  });
});
