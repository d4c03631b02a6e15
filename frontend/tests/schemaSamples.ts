/** Random JSON values built from a schema (the subset api/schema.ts reads): ones that fit, and ones broken at one place. */
import type { JsonType, Schema } from '../src/api/schema';

export type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
export const ALL_TYPES: JsonType[] = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

export function valueOfType(type: JsonType, random: Random): unknown {
  switch (type) {
    case 'object': return {};
    case 'array': return [];
    case 'string': return pick(random, ['', 'x', 'a longer string', '7', 'ünïcode ✓']);
    case 'number': return pick(random, [0.5, -3.25, 1e9 + 0.5]);
    case 'integer': return pick(random, [0, 1, -7, 4096]);
    case 'boolean': return random() < 0.5;
    case 'null': return null;
  }
}

const typesOf = (schema: Schema): JsonType[] =>
  schema.type === undefined ? ALL_TYPES : Array.isArray(schema.type) ? schema.type : [schema.type];

/** A value that fits `schema`. */
export function sample(schema: Schema, random: Random): unknown {
  if (schema.oneOf) return sample(pick(random, schema.oneOf), random);
  if ('const' in schema) return structuredClone(schema.const);
  if (schema.enum) return structuredClone(pick(random, schema.enum));
  const type = schema.properties || schema.required ? 'object' : schema.items ? 'array' : pick(random, typesOf(schema));
  if (type === 'array') return Array.from({ length: Math.floor(random() * 3) }, () => sample(schema.items ?? {}, random));
  if (type !== 'object') return valueOfType(type, random);
  const value: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (schema.required?.includes(key) || random() < 0.5) value[key] = sample(sub, random);
  }
  if (schema.additionalProperties !== false && random() < 0.2) value.extra_field = 'allowed';
  return value;
}

/** A value that breaks `schema` at exactly one place, and the path of that place; null where nothing can break it. */
export function spoiled(schema: Schema, random: Random, path = '$'): { value: unknown; path: string } | null {
  const ways: (() => { value: unknown; path: string } | null)[] = [];
  if (schema.oneOf) ways.push(() => spoiled(pick(random, schema.oneOf!), random, path));
  if ('const' in schema || schema.enum) ways.push(() => ({ value: 'a value no schema names ⁂', path }));
  else if (schema.type !== undefined) {
    // valueOfType's numbers are never integers, so `number` breaks `integer`
    const wrong = ALL_TYPES.filter((t) => !typesOf(schema).includes(t) && !(t === 'integer' && typesOf(schema).includes('number')));
    if (wrong.length) ways.push(() => ({ value: valueOfType(pick(random, wrong), random), path }));
  }
  const object = typesOf(schema).includes('object') && !schema.oneOf && !('const' in schema) && !schema.enum;
  if (object && schema.required?.length) {
    ways.push(() => {
      const value = sample(schema, random) as Record<string, unknown>;
      const key = pick(random, schema.required!);
      delete value[key];
      return { value, path: `${path}.${key}` };
    });
  }
  if (object && schema.additionalProperties === false) {
    ways.push(() => ({ value: { ...(sample(schema, random) as object), not_in_schema: 1 }, path: `${path}.not_in_schema` }));
  }
  if (object && schema.properties) {
    ways.push(() => {
      const [key, sub] = pick(random, Object.entries(schema.properties!));
      const inner = spoiled(sub, random, `${path}.${key}`);
      return inner && { value: { ...(sample(schema, random) as object), [key]: inner.value }, path: inner.path };
    });
  }
  if (schema.items && typesOf(schema).includes('array')) {
    ways.push(() => {
      const inner = spoiled(schema.items!, random, `${path}[0]`);
      return inner && { value: [inner.value, ...(sample(schema, random) as unknown[])], path: inner.path };
    });
  }
  for (let tries = 0; tries < 8 && ways.length; tries++) {
    const result = pick(random, ways)();
    if (result) return result;
  }
  return null;
}
