// The input schemas (params, query, body) as rows of fields. The schema object
// itself is what the form edits, key by key, so whatever a row does not show
// (a description, `additionalProperties`, a `pattern`) stays as it was.
import type { ColumnDef, TableDef } from '../workspace';
import { isObject, renameKey, setOrDelete, type Json } from './templateText';

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'file', 'array', 'object'] as const;
export type FieldType = (typeof FIELD_TYPES)[number] | 'custom';

/** Whether `schema` is an object schema the rows can show (else it is edited as JSON). */
export function isFieldSchema(schema: unknown): schema is Json & { properties?: Json } {
  return isObject(schema) && (schema.type === 'object' || schema.type === undefined) && (schema.properties === undefined || isObject(schema.properties));
}

/** The type a property's row shows; `custom` when it is more than one type (besides null) or none. */
export function fieldType(prop: unknown): FieldType {
  if (!isObject(prop)) return 'custom';
  const types = Array.isArray(prop.type) ? prop.type.filter((t) => t !== 'null') : [prop.type];
  if (types.length !== 1 || typeof types[0] !== 'string') return 'custom';
  const t = types[0];
  if (t === 'string' && prop.format === 'binary') return 'file';
  return (FIELD_TYPES as readonly string[]).includes(t) ? (t as FieldType) : 'custom';
}

export function isNullable(prop: unknown): boolean {
  return isObject(prop) && Array.isArray(prop.type) && prop.type.includes('null');
}

const baseType = (t: FieldType) => (t === 'file' ? 'string' : t);
const LENGTH = ['minLength', 'maxLength'];
const RANGE = ['minimum', 'maximum'];

/** Changes a property's type, dropping the bounds that do not apply to the new one. */
export function setFieldType(prop: Json, t: FieldType, nullable = isNullable(prop)): void {
  if (t === 'custom') return;
  const base = baseType(t);
  prop.type = nullable || t === 'file' ? [base, 'null'] : base;
  if (t === 'file') prop.format = 'binary';
  else if (prop.format === 'binary') delete prop.format;
  if (base !== 'string') for (const k of LENGTH) delete prop[k];
  if (base !== 'integer' && base !== 'number') for (const k of RANGE) delete prop[k];
  if (t === 'boolean' || t === 'file' || t === 'array' || t === 'object') delete prop.enum;
}

export function setNullable(prop: Json, on: boolean): void {
  const t = fieldType(prop);
  if (t === 'custom') return;
  const base = baseType(t);
  prop.type = on ? [base, 'null'] : base;
}

/** The keys of the lower and upper bound of a type: a text's length, a number's value. */
export function boundKeys(t: FieldType): [string, string] | null {
  if (t === 'string') return ['minLength', 'maxLength'];
  if (t === 'integer' || t === 'number') return ['minimum', 'maximum'];
  return null;
}

/** A number field's text → the number, or undefined to remove the key. */
export function numberOrNone(text: string): number | undefined {
  const n = Number(text);
  return text.trim() === '' || !Number.isFinite(n) ? undefined : n;
}

/** A value typed for `t`: numbers and booleans from their text, text as is. */
export function typedValue(t: FieldType, text: string): unknown {
  if (t === 'integer' || t === 'number') return numberOrNone(text) ?? text;
  if (t === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/** The enum as comma-separated text, and back (empty removes it). */
export function enumText(prop: Json): string {
  return Array.isArray(prop.enum) ? prop.enum.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') : '';
}

export function setEnum(prop: Json, text: string): void {
  const t = fieldType(prop);
  const items = text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => typedValue(t, s));
  setOrDelete(prop, 'enum', items.length ? items : undefined);
}

export function defaultText(prop: Json): string {
  return !('default' in prop) ? '' : typeof prop.default === 'string' ? prop.default : JSON.stringify(prop.default);
}

export function setDefault(prop: Json, text: string): void {
  setOrDelete(prop, 'default', text === '' ? undefined : typedValue(fieldType(prop), text));
}

export function requiredOf(schema: Json): string[] {
  return Array.isArray(schema.required) ? (schema.required as string[]) : [];
}

export function setRequired(schema: Json, name: string, on: boolean): void {
  const now = requiredOf(schema).filter((n) => n !== name);
  if (on) now.push(name);
  setOrDelete(schema, 'required', now.length ? now : undefined);
}

/** Renames a property in place (order kept), in `required` too. */
export function renameField(schema: Json, from: string, to: string): void {
  if (from === to || !isObject(schema.properties) || to in schema.properties) return;
  schema.properties = renameKey(schema.properties, from, to);
  if (Array.isArray(schema.required)) schema.required = (schema.required as string[]).map((n) => (n === from ? to : n));
}

export function removeField(schema: Json, name: string): void {
  if (isObject(schema.properties)) delete schema.properties[name];
  setRequired(schema, name, false);
}

/** A name no property has yet: `field`, `field2`… */
export function freshField(schema: Json, base = 'field'): string {
  const props = isObject(schema.properties) ? schema.properties : {};
  if (!(base in props)) return base;
  let i = 2;
  while (`${base}${i}` in props) i++;
  return `${base}${i}`;
}

/** A new object schema for a body or query: unknown fields refused, as the blog's routers do. */
export function newObjectSchema(): Json {
  return { type: 'object', properties: {}, additionalProperties: false };
}

// Path params: `{id}` of the path, each an integer (an id), text or a UUID.
export const PARAM_TYPES = ['integer', 'string', 'uuid'] as const;
export type ParamType = (typeof PARAM_TYPES)[number] | 'custom';

export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

export function paramType(prop: unknown): ParamType {
  if (!isObject(prop)) return 'custom';
  if (prop.type === 'integer') return 'integer';
  if (prop.type === 'string') return prop.format === 'uuid' ? 'uuid' : 'string';
  return 'custom';
}

export function setParamType(prop: Json, t: ParamType): void {
  if (t === 'integer') {
    prop.type = 'integer';
    delete prop.format;
    prop.minimum ??= 1;
  } else if (t === 'string' || t === 'uuid') {
    prop.type = 'string';
    delete prop.minimum;
    delete prop.maximum;
    setOrDelete(prop, 'format', t === 'uuid' ? 'uuid' : undefined);
  }
}

/** A new path param's schema: most are ids. */
export function newParam(): Json {
  return { type: 'integer', minimum: 1 };
}

/** The body field that carries a value for `column`. */
export function fieldOfColumn(column: ColumnDef): Json {
  switch (column.type) {
    case 'integer':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'file':
      return { type: ['string', 'null'], format: 'binary' };
    case 'relation':
      return { type: 'integer', minimum: 1 };
    case 'json':
      return {};
    default:
      return { type: 'string' };
  }
}

/**
 * Adds a body field per column of `table` the schema lacks. A create (POST,
 * PUT) requires what the table requires (without a default); a PATCH sends
 * only what it changes, so it requires none, but at least one field.
 */
export function addFieldsOfTable(schema: Json, table: TableDef, method: string): string[] {
  if (!isObject(schema.properties)) schema.properties = {};
  const props = schema.properties as Json;
  const added = table.columns.filter((c) => !(c.name in props));
  for (const c of added) {
    props[c.name] = fieldOfColumn(c);
    if (method !== 'PATCH' && c.required && c.default === undefined) setRequired(schema, c.name, true);
  }
  if (method === 'PATCH' && added.length && schema.minProperties === undefined) schema.minProperties = 1;
  return added.map((c) => c.name);
}
