/**
 * Personal data in free-text comments (DESIGN §8): masked before a comment is ever shown.
 * E-mail addresses, phone numbers (Russian formats), SNILS, bank card numbers, passport
 * numbers, dates (of birth or of a visit), other long numbers, and full names where they
 * can be recognised (surname + name + patronymic, name + patronymic, surname with
 * initials, a common first name with a surname). Each is replaced by a bracketed tag, so a
 * reader still sees what kind of thing was there. Ordinary words, ratings («5 из 5»),
 * organisation numbers («школа № 5») and times («в 14:30») are left alone.
 *
 * Pure: no I/O. The rules are applied in a fixed order, numbers before names, each on the
 * text the previous ones left (a tag holds no digits and no lower-case Cyrillic, so no
 * later rule can match inside one).
 */
import { parseSnils } from './snils';

export const MASK = {
  email: '[e-mail]',
  phone: '[телефон]',
  snils: '[СНИЛС]',
  card: '[номер карты]',
  passport: '[паспорт]',
  date: '[дата]',
  number: '[номер]',
  name: '[ФИО]',
} as const;

/** Not preceded / followed by a letter or digit (`\b` knows no Cyrillic). */
const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';
const ND = '(?<![\\d])';
const NDE = '(?![\\d])';

const rule = (source: string) => new RegExp(source, 'gu');

/** Starts only where a run of address characters starts, so a long word is scanned once, not once per letter. */
const EMAIL = rule(`(?<![\\p{L}\\p{N}._%+\\-])[\\p{L}\\p{N}._%+\\-]+@[\\p{L}\\p{N}\\-]+(?:\\.[\\p{L}\\p{N}\\-]+)*\\.\\p{L}{2,}`);

/** XXX-XXX-XXX YY (any of space or dash between the groups). */
const SNILS = rule(`${ND}\\d{3}[\\- ]\\d{3}[\\- ]\\d{3}[\\- ]{1,2}\\d{2}${NDE}`);

/** 16–19 digits, bare or in groups of four. */
const CARD = rule(`${ND}\\d{4}(?:[ \\-]?\\d{4}){3}(?:[ \\-]?\\d{1,3})?${NDE}`);

/** +7 or 8 and ten more digits with spaces, dashes or brackets between them. */
const PHONE = rule(`(?<![\\d+])(?:\\+ ?7|8|7)(?:[ \\-()]{0,2}\\d){10}${NDE}`);
/** A local number: 123-45-67 or 12-34-56 (dashes make it a phone, not a count). */
const LOCAL_PHONE = rule(`${ND}\\d{2,3}-\\d{2}-\\d{2}${NDE}`);

/** Series and number: 4510 123456, 45 10 123456, «серия 4510 № 123456». */
const PASSPORT = rule(`${ND}\\d{2} ?\\d{2}(?: ?(?:номер|№|N) ?| )\\d{6}${NDE}`);

const MONTHS = 'января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря';
/** 12.03.1985, 12/03/85, 12-03-1985, 1985-03-12, «12 марта 1985 г.», «12 марта». */
const DATE_NUMERIC = rule(`${ND}(?:[0-3]?\\d[./\\-][01]?\\d[./\\-](?:\\d{4}|\\d{2})|\\d{4}-[01]\\d-[0-3]\\d)${NDE}(?:\\s?г\\.(?:\\s?р\\.)?)?`);
const DATE_WORDS = rule(`${ND}[0-3]?\\d\\s(?:${MONTHS})(?:\\s\\d{4}(?:\\s?(?:г\\.|года?))?)?${E}`);
/** A year of birth: «1985 г.р.», «1985 года рождения». */
const BIRTH_YEAR = rule(`${ND}(?:19|20)\\d{2}\\s?(?:г\\.?\\s?р\\.?|года рождения|г\\. рождения)`);

/** Any other run of nine or more digits (policy numbers, bare SNILS, account numbers). */
const LONG_NUMBER = rule(`${ND}\\d(?:[ \\-]?\\d){8,}${NDE}`);

const UPPER = '[А-ЯЁ]';
const LOWER = '[а-яё]';
/** A Russian surname by its ending, in any case: Иванов, Ивановой, Петровскому, Шевченко, Кузнецовых. */
const SURNAME = `${UPPER}${LOWER}+(?:(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ы|ых|ыми)?|(?:ск|цк)(?:ий|ой|ая|ого|ому|им|ом|ую|их|ой)|енко|ук|юк|ян|дзе|швили|их|ых)(?:-${UPPER}${LOWER}+)?`;
/** A patronymic, in any case: Иванович, Ивановичу, Сергеевной, Ильич, Кузьминичной. */
const PATRONYMIC = `${UPPER}${LOWER}+(?:(?:ович|евич|ёвич|ьич|ич)(?:а|у|ем|е)?|(?:овн|евн|ёвн|ичн|иничн)(?:а|ы|е|у|ой))`;
const INITIAL = `${UPPER}\\.`;
const WORD = `${UPPER}${LOWER}+`;

/** Common Russian first names in the nominative; their other cases are derived below. */
const FIRST_NAMES = [
  'Александр', 'Алексей', 'Анатолий', 'Андрей', 'Антон', 'Артём', 'Артем', 'Борис', 'Вадим', 'Валентин', 'Валерий', 'Василий',
  'Виктор', 'Виталий', 'Владимир', 'Владислав', 'Вячеслав', 'Геннадий', 'Георгий', 'Глеб', 'Григорий', 'Даниил', 'Денис',
  'Дмитрий', 'Евгений', 'Егор', 'Иван', 'Игорь', 'Илья', 'Кирилл', 'Константин', 'Лев', 'Леонид', 'Максим', 'Матвей',
  'Михаил', 'Никита', 'Николай', 'Олег', 'Павел', 'Пётр', 'Петр', 'Роман', 'Руслан', 'Семён', 'Семен', 'Сергей',
  'Станислав', 'Степан', 'Тимур', 'Фёдор', 'Федор', 'Юрий', 'Ярослав',
  'Алевтина', 'Александра', 'Алина', 'Алла', 'Анастасия', 'Анна', 'Антонина', 'Валентина', 'Валерия', 'Вера', 'Вероника',
  'Виктория', 'Галина', 'Дарья', 'Диана', 'Екатерина', 'Елена', 'Елизавета', 'Жанна', 'Зинаида', 'Зоя', 'Инна', 'Ирина',
  'Кристина', 'Ксения', 'Лариса', 'Лидия', 'Любовь', 'Людмила', 'Маргарита', 'Марина', 'Мария', 'Надежда', 'Наталья',
  'Наталия', 'Нина', 'Оксана', 'Ольга', 'Полина', 'Раиса', 'Светлана', 'София', 'Софья', 'Тамара', 'Татьяна', 'Юлия', 'Яна',
];

/** The name's forms in the six cases (close enough for matching, not for writing). */
function nameForms(name: string): string[] {
  if (/ия$/.test(name)) return [name, `${name.slice(0, -1)}и`, `${name.slice(0, -1)}ю`, `${name.slice(0, -1)}ей`];
  if (/[ая]$/.test(name)) {
    const stem = name.slice(0, -1);
    return [name, `${stem}ы`, `${stem}и`, `${stem}е`, `${stem}у`, `${stem}ю`, `${stem}ой`, `${stem}ей`];
  }
  if (/[йь]$/.test(name)) {
    const stem = name.slice(0, -1);
    return [name, `${stem}я`, `${stem}ю`, `${stem}ем`, `${stem}е`, `${stem}и`, `${stem}ью`];
  }
  const stem = name === 'Лев' ? 'Льв' : name === 'Павел' ? 'Павл' : name;
  return [name, `${stem}а`, `${stem}у`, `${stem}ом`, `${stem}е`];
}
const FIRST_NAME = `(?:${[...new Set(FIRST_NAMES.flatMap(nameForms))].sort((a, b) => b.length - a.length).join('|')})`;

const NAME_RULES = [
  // Фамилия Имя Отчество, Имя Отчество Фамилия, Имя Отчество
  rule(`${B}(?:${SURNAME}\\s+)?${WORD}\\s+${PATRONYMIC}(?:\\s+${SURNAME})?${E}`),
  // Иванов И. И., Иванов И.И., Иванова А.
  rule(`${B}${SURNAME}\\s+${INITIAL}(?:\\s?${INITIAL})?`),
  // И. И. Иванов, И.И. Иванову
  rule(`${B}${INITIAL}\\s?(?:${INITIAL}\\s?)?${SURNAME}${E}`),
  // Анна Петрова, Петровой Анне
  rule(`${B}(?:${FIRST_NAME}\\s+${SURNAME}|${SURNAME}\\s+${FIRST_NAME})${E}`),
  // ИВАНОВ ИВАН ИВАНОВИЧ, МАРИЯ ПЕТРОВНА: in capitals, recognised by the patronymic
  rule(`${B}(?:[А-ЯЁ]{2,}\\s+){1,2}[А-ЯЁ]+(?:ОВИЧ|ЕВИЧ|ЁВИЧ|ЬИЧ|ОВН|ЕВН|ИЧН)(?:А|Ы|Е|У|ОЙ|ЕМ)?${E}`),
];

/** An 11-digit run is a SNILS when its control number checks, otherwise a phone or a number. */
function elevenDigits(match: string): string {
  const digits = match.replace(/\D/g, '');
  if (digits.length === 11 && parseSnils(digits).ok) return MASK.snils;
  if (digits.length === 11 && /^[78]/.test(digits)) return MASK.phone;
  return MASK.number;
}

/** Eleven bare digits starting with 7 or 8 may be a SNILS written without separators. */
function phoneOrSnils(match: string): string {
  return /^\d{11}$/.test(match) && parseSnils(match).ok ? MASK.snils : MASK.phone;
}

/** The comment with every recognised piece of personal data replaced by its tag. */
export function maskPersonalData(text: string): string {
  let out = text
    .replace(EMAIL, MASK.email)
    .replace(SNILS, MASK.snils)
    .replace(CARD, MASK.card)
    .replace(PHONE, phoneOrSnils)
    .replace(PASSPORT, MASK.passport)
    .replace(DATE_WORDS, MASK.date)
    .replace(DATE_NUMERIC, MASK.date)
    .replace(BIRTH_YEAR, MASK.date)
    .replace(LOCAL_PHONE, MASK.phone)
    .replace(LONG_NUMBER, elevenDigits);
  for (const names of NAME_RULES) out = out.replace(names, MASK.name);
  return out;
}
