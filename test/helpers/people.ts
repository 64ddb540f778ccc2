/** Made-up people with valid SNILS for tests. */
import { randomInt } from 'node:crypto';
import { snilsControl } from '../../src/domain/snils';

export function makeSnils(): { bare: string; formatted: string } {
  const nine = String(randomInt(1_002_000, 999_999_999)).padStart(9, '0');
  const bare = nine + snilsControl(nine);
  return { bare, formatted: `${bare.slice(0, 3)}-${bare.slice(3, 6)}-${bare.slice(6, 9)} ${bare.slice(9)}` };
}

let counter = 0;
export function makePerson(birthDate: string, names: Partial<{ lastName: string; firstName: string; middleName: string }> = {}) {
  counter++;
  const snils = makeSnils();
  return {
    lastName: names.lastName ?? `Иванова${counter}`,
    firstName: names.firstName ?? 'Анна',
    middleName: names.middleName ?? 'Петровна',
    birthDate,
    snils: snils.formatted,
    email: `citizen-${snils.bare}@example.test`,
  };
}

export function withoutEmail<T extends { email: string }>(p: T): Omit<T, 'email'> {
  const { email: _email, ...rest } = p;
  return rest;
}
