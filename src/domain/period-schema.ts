/**
 * The request schema of a quarter. Apart from periods.ts, which workflow code imports: zod
 * has no place in the workflow bundle (every workflow would carry it).
 */
import { z } from 'zod';
import { PERIOD } from './periods';

export const ZPeriod = z.string().regex(PERIOD, 'must be a quarter written like 2026-Q1');
export type TPeriod = z.infer<typeof ZPeriod>;
