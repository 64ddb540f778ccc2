/**
 * Our custom search attributes must exist in the namespace before a workflow sets them.
 * The dev server registers them at launch; a real cluster gets them here, through the
 * operator service. Safe to call on every start and from several processes at once.
 */
import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from './shared';

type Key = { name: string; type: SearchAttributeType };

/** temporal.api.enums.v1.IndexedValueType, as the operator service speaks it. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** Adds the missing attributes; returns their names. Fails if one exists with another type. */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly Key[] = SEARCH_ATTRIBUTES,
): Promise<string[]> {
  const missing = await missingAttributes(connection, namespace, keys);
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(missing.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]]));
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // Another process added them meanwhile: fine if they are all there now.
    if ((await missingAttributes(connection, namespace, keys)).length > 0) {
      throw new Error(`could not add search attributes ${missing.map((k) => k.name).join(', ')} to namespace ${namespace}: ${(err as Error).message}`);
    }
  }
  return missing.map((k) => k.name);
}

async function missingAttributes(connection: Connection, namespace: string, keys: readonly Key[]): Promise<Key[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = customAttributes ?? {};
  const wrongType = keys.filter((k) => k.name in existing && existing[k.name] !== INDEXED_VALUE_TYPE[k.type]);
  if (wrongType.length > 0) {
    throw new Error(
      `search attributes of the wrong type in namespace ${namespace}: ${wrongType.map((k) => `${k.name} (expected ${k.type})`).join(', ')}`,
    );
  }
  return keys.filter((k) => !(k.name in existing));
}
