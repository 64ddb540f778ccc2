/** Reference data of the experiment (DESIGN §2; seeds 000 and 001, Appendix 2). */
export const SECTORS = ['mse', 'health', 'education', 'sport'] as const;
export type Sector = (typeof SECTORS)[number];

export const ORGANIZATION_TYPES: { code: string; name: string; sector: Sector }[] = [
  { code: 'mse_bureau', name: 'главное бюро и бюро медико-социальной экспертизы', sector: 'mse' },
  { code: 'healthcare', name: 'организации здравоохранения', sector: 'health' },
  { code: 'general_education', name: 'общеобразовательные организации', sector: 'education' },
  { code: 'preschool_education', name: 'дошкольные образовательные организации', sector: 'education' },
  { code: 'sports', name: 'физкультурно-спортивные организации', sector: 'sport' },
];

/** The 30 pilot regions, by two-digit region code. */
export const PILOT_REGIONS: { code: string; name: string }[] = [
  { code: '31', name: 'Белгородская область' },
  { code: '33', name: 'Владимирская область' },
  { code: '35', name: 'Вологодская область' },
  { code: '36', name: 'Воронежская область' },
  { code: '75', name: 'Забайкальский край' },
  { code: '39', name: 'Калининградская область' },
  { code: '07', name: 'Кабардино-Балкарская Республика' },
  { code: '09', name: 'Карачаево-Черкесская Республика' },
  { code: '42', name: 'Кемеровская область – Кузбасс' },
  { code: '43', name: 'Кировская область' },
  { code: '47', name: 'Ленинградская область' },
  { code: '48', name: 'Липецкая область' },
  { code: '51', name: 'Мурманская область' },
  { code: '52', name: 'Нижегородская область' },
  { code: '54', name: 'Новосибирская область' },
  { code: '59', name: 'Пермский край' },
  { code: '25', name: 'Приморский край' },
  { code: '04', name: 'Республика Алтай' },
  { code: '11', name: 'Республика Коми' },
  { code: '91', name: 'Республика Крым' },
  { code: '14', name: 'Республика Саха (Якутия)' },
  { code: '16', name: 'Республика Татарстан' },
  { code: '62', name: 'Рязанская область' },
  { code: '78', name: 'Санкт-Петербург' },
  { code: '65', name: 'Сахалинская область' },
  { code: '66', name: 'Свердловская область' },
  { code: '92', name: 'Севастополь' },
  { code: '67', name: 'Смоленская область' },
  { code: '73', name: 'Ульяновская область' },
  { code: '27', name: 'Хабаровский край' },
];
