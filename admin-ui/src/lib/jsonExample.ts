// A simple valid-looking example of a JSON Schema, to prefill the API console:
// required properties (and more while `minProperties` wants them), strings
// "example", integers their minimum or 1, booleans true, enums their first value.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  [key: string]: unknown;
}

const FORMATS: Record<string, string> = {
  email: 'user@example.com',
  'date-time': '2025-01-01T12:00:00Z',
  date: '2025-01-01',
  time: '12:00:00',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function typeOf(s: JsonSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null') ?? s.type[0];
  if (s.type) return s.type;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return undefined;
}

function stringExample(s: JsonSchema): string {
  let text = (s.format && FORMATS[s.format]) || 'example';
  if (s.minLength && text.length < s.minLength) text = text.padEnd(s.minLength, 'x');
  if (s.maxLength != null && text.length > s.maxLength) text = text.slice(0, Math.max(s.maxLength, 0));
  return text;
}

function numberExample(s: JsonSchema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  let n = s.minimum ?? (s.exclusiveMinimum != null ? s.exclusiveMinimum + step : 1);
  if (s.maximum != null && n > s.maximum) n = s.maximum;
  if (s.exclusiveMaximum != null && n >= s.exclusiveMaximum) n = s.exclusiveMaximum - step;
  return integer ? Math.ceil(n) : n;
}

function objectExample(s: JsonSchema, depth: number): Record<string, unknown> {
  const props = s.properties ?? {};
  const keys = [...(s.required ?? [])];
  for (const k of Object.keys(props)) {
    if (keys.length >= (s.minProperties ?? 0)) break;
    if (!keys.includes(k)) keys.push(k);
  }
  return Object.fromEntries(keys.map((k) => [k, exampleOf(props[k] ?? {}, depth + 1)]));
}

/** An example value of `schema` (null when it says nothing usable). */
export function exampleOf(schema: JsonSchema | null | undefined, depth = 0): unknown {
  const s = schema ?? {};
  if (depth > 8) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ('default' in s) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const alt = s.anyOf?.[0] ?? s.oneOf?.[0];
  if (alt) return exampleOf(alt, depth + 1);
  if (s.allOf?.length) return exampleOf(Object.assign({}, ...s.allOf) as JsonSchema, depth + 1);
  switch (typeOf(s)) {
    case 'object':
      return objectExample(s, depth);
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => exampleOf(s.items ?? {}, depth + 1));
    case 'string':
      return stringExample(s);
    case 'integer':
      return numberExample(s, true);
    case 'number':
      return numberExample(s, false);
    case 'boolean':
      return true;
    default:
      return null;
  }
}
