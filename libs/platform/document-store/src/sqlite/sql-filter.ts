import type { FieldCondition, Filter, Scalar, Sort } from '../document-store.port';

/**
 * Translates the port's filter language into SQL over JSON documents, with MongoDB's meaning for
 * the subset the port allows: values compare only with values of the same JSON type (true is not
 * 1, "5" is not 5), a missing field behaves like null, `$ne` and `$nin` match missing fields, and
 * comparisons never match null. An array is a value of its own type that no operator looks into
 * (json_type 'array' never equals a scalar's type), and a path through an array is missing
 * (json_extract gives NULL): the port's rule for arrays (`FieldCondition`), with the same SQL for
 * every field. Every value is bound as a parameter; field paths are checked against a strict
 * pattern before they reach the SQL text.
 */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

interface Field {
  /** The value, as SQLite sees it. */
  value: string;
  /** Its JSON type: 'text', 'integer', 'real', 'true', 'false', 'null', or NULL when missing. */
  type: string;
}

export function fieldExpression(field: string): string {
  return resolveField(field).value;
}

function resolveField(field: string): Field {
  if (field === 'id') return { value: 'id', type: "'text'" };
  if (!FIELD_PATH.test(field)) throw new Error(`"${field}" is not a valid field path`);
  return { value: `json_extract(doc, '$.${field}')`, type: `json_type(doc, '$.${field}')` };
}

export function compileFilter(filter: Filter | undefined, params: unknown[]): string {
  if (!filter) return '1';
  const clauses: string[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (condition === undefined) continue;
    if (key === '$or' || key === '$and') {
      const parts = (condition as Filter[]).map((sub) => `(${compileFilter(sub, params)})`);
      if (parts.length === 0) clauses.push(key === '$or' ? '0' : '1');
      else clauses.push(`(${parts.join(key === '$or' ? ' OR ' : ' AND ')})`);
      continue;
    }
    clauses.push(compileCondition(resolveField(key), condition as FieldCondition, params));
  }
  return clauses.length ? clauses.join(' AND ') : '1';
}

function compileCondition(field: Field, condition: FieldCondition, params: unknown[]): string {
  if (condition === null || typeof condition !== 'object') return equals(field, condition, params);

  const parts: string[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    switch (operator) {
      case '$eq':
        parts.push(equals(field, operand as Scalar, params));
        break;
      case '$ne':
        parts.push(`NOT COALESCE(${equals(field, operand as Scalar, params)}, 0)`);
        break;
      case '$in':
      case '$nin': {
        const values = operand as Scalar[];
        const anyOf = values.length ? `(${values.map((value) => `COALESCE(${equals(field, value, params)}, 0)`).join(' OR ')})` : '0';
        parts.push(operator === '$in' ? anyOf : `NOT ${anyOf}`);
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const sqlOperator = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[operator];
        params.push(operand);
        parts.push(`(${sameType(field, operand as Scalar)} AND ${field.value} ${sqlOperator} ?)`);
        break;
      }
      case '$contains':
        params.push(String(operand));
        parts.push(`(${field.type} = 'text' AND instr(unicode_lower(${field.value}), unicode_lower(?)) > 0)`);
        break;
      case '$exists':
        parts.push(operand ? `${field.type} IS NOT NULL` : `${field.type} IS NULL`);
        break;
      default:
        throw new Error(`unsupported filter operator ${operator}`);
    }
  }
  return parts.length ? `(${parts.join(' AND ')})` : '1';
}

/** True, false, or NULL (never matching) when the field is missing. */
function equals(field: Field, value: Scalar, params: unknown[]): string {
  if (value === null) return `(${field.value} IS NULL)`;
  if (typeof value === 'boolean') return `(${field.type} = '${value ? 'true' : 'false'}')`;
  params.push(value);
  return `(${sameType(field, value)} AND ${field.value} = ?)`;
}

function sameType(field: Field, value: Scalar): string {
  if (typeof value === 'number') return `${field.type} IN ('integer', 'real')`;
  if (typeof value === 'boolean') return `${field.type} IN ('true', 'false')`;
  return `${field.type} = 'text'`;
}

/** Always ends with `id` so that pages are stable when sort keys tie. */
export function compileSort(sort: Sort | undefined): string {
  const keys = (sort ?? []).map(([field, direction]) => `${fieldExpression(field)} ${direction === -1 ? 'DESC' : 'ASC'}`);
  if (!(sort ?? []).some(([field]) => field === 'id')) keys.push('id ASC');
  return keys.join(', ');
}
