import type { FieldCondition, Filter, Scalar, Sort } from '../document-store.port';

/**
 * Translates the port's filter language into SQL over JSON documents, with the same meaning as
 * MongoDB's for the subset the port allows (a missing field behaves like null, `$ne` and `$nin`
 * match missing fields, comparisons never match null).
 */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

export function fieldExpression(field: string): string {
  if (field === 'id') return 'id';
  if (!FIELD_PATH.test(field)) throw new Error(`"${field}" is not a valid field path`);
  return `json_extract(doc, '$.${field}')`;
}

export function toSqlValue(value: Scalar): string | number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
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
    clauses.push(compileCondition(fieldExpression(key), condition as FieldCondition, params));
  }
  return clauses.length ? clauses.join(' AND ') : '1';
}

function compileCondition(expr: string, condition: FieldCondition, params: unknown[]): string {
  if (condition === null || typeof condition !== 'object') return equals(expr, condition, params);

  const parts: string[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    switch (operator) {
      case '$eq':
        parts.push(equals(expr, operand as Scalar, params));
        break;
      case '$ne':
        if (operand === null) parts.push(`${expr} IS NOT NULL`);
        else {
          params.push(toSqlValue(operand as Scalar));
          parts.push(`${expr} IS NOT ?`);
        }
        break;
      case '$in':
      case '$nin': {
        const values = operand as Scalar[];
        const nonNull = values.filter((v) => v !== null);
        const hasNull = nonNull.length !== values.length;
        params.push(...nonNull.map(toSqlValue));
        const list = `(${nonNull.map(() => '?').join(',')})`;
        if (operator === '$in') {
          const inList = nonNull.length ? `${expr} IN ${list}` : '0';
          parts.push(hasNull ? `(${inList} OR ${expr} IS NULL)` : inList);
        } else {
          const notInList = nonNull.length ? `${expr} NOT IN ${list}` : '1';
          parts.push(hasNull ? `(${expr} IS NOT NULL AND ${notInList})` : `(${expr} IS NULL OR ${notInList})`);
        }
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const sqlOperator = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[operator];
        params.push(operand);
        parts.push(`(${expr} IS NOT NULL AND ${expr} ${sqlOperator} ?)`);
        break;
      }
      case '$contains':
        params.push(String(operand));
        parts.push(`(typeof(${expr}) = 'text' AND instr(unicode_lower(${expr}), unicode_lower(?)) > 0)`);
        break;
      case '$exists': {
        const typeExpr = expr === 'id' ? "'text'" : expr.replace('json_extract', 'json_type');
        parts.push(operand ? `${typeExpr} IS NOT NULL` : `${typeExpr} IS NULL`);
        break;
      }
      default:
        throw new Error(`unsupported filter operator ${operator}`);
    }
  }
  return parts.length ? `(${parts.join(' AND ')})` : '1';
}

function equals(expr: string, value: Scalar, params: unknown[]): string {
  if (value === null) return `${expr} IS NULL`;
  params.push(toSqlValue(value));
  return `${expr} = ?`;
}

/** Always ends with `id` so that pages are stable when sort keys tie. */
export function compileSort(sort: Sort | undefined): string {
  const keys = (sort ?? []).map(([field, direction]) => `${fieldExpression(field)} ${direction === -1 ? 'DESC' : 'ASC'}`);
  if (!(sort ?? []).some(([field]) => field === 'id')) keys.push('id ASC');
  return keys.join(', ');
}
