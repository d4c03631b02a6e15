/**
 * A JSON Schema validator for the small subset the server's message schema uses (messages.schema.json):
 * `type`, `properties`, `required`, `additionalProperties` (boolean), `items`, `const`, `enum`, `oneOf`,
 * and the annotations `description`, `title`, `$schema`. Any other keyword is a mistake in the schema
 * and throws, rather than being silently ignored.
 */

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface Schema {
  type?: JsonType | JsonType[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  const?: unknown;
  enum?: unknown[];
  oneOf?: Schema[];
  description?: string;
  title?: string;
  $schema?: string;
}

const KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'const', 'enum', 'oneOf', 'description', 'title', '$schema']);

/** The JSON type of a value as the schema names it (`integer` only where `number` is not asked for). */
export function jsonType(value: unknown): Exclude<JsonType, 'integer'> {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return type;
  if (type === 'object') return 'object';
  throw new Error(`${type} is not a JSON value`);
}

const hasType = (value: unknown, type: JsonType) =>
  type === 'integer' ? Number.isInteger(value) : jsonType(value) === type;

const isObject = (value: unknown): value is Record<string, unknown> => jsonType(value) === 'object';

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (jsonType(a) !== jsonType(b) || typeof a !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, i) => jsonEqual(item, (b as unknown[])[i]));
  const keysA = Object.keys(a);
  const other = b as Record<string, unknown>;
  return keysA.length === Object.keys(other).length && keysA.every((key) => key in other && jsonEqual((a as Record<string, unknown>)[key], other[key]));
}

type Path = (string | number)[];

interface Problem {
  path: Path;
  text: string;
  /** A `const` did not match: for oneOf, the sign of a different alternative rather than a broken one. */
  constMismatch?: boolean;
}

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

/** `$.data.nodes[0]`, `$.output["file name"]` */
export function formatPath(path: Path): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return /^[A-Za-z_$][\w$]*$/.test(key) ? `${text}.${key}` : `${text}[${JSON.stringify(key)}]`;
  }, '$');
}

/** What is wrong with `value` under `schema`, each as `<JSON path>: <what was expected>, found <what was there>`; [] when valid. */
export function validate(schema: Schema, value: unknown): string[] {
  return check(schema, value, []).map((problem) => `${formatPath(problem.path)}: ${problem.text}`);
}

function check(schema: Schema, value: unknown, path: Path): Problem[] {
  for (const keyword of Object.keys(schema)) {
    if (!KEYWORDS.has(keyword)) throw new Error(`unsupported schema keyword ${keyword} (at ${formatPath(path)})`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, type))) return [{ path, text: `expected ${types.join(' or ')}, found ${show(value)}` }];
  }
  if ('const' in schema && !jsonEqual(value, schema.const)) {
    return [{ path, text: `expected ${show(schema.const)}, found ${show(value)}`, constMismatch: true }];
  }
  if (schema.enum && !schema.enum.some((option) => jsonEqual(value, option))) {
    return [{ path, text: `expected one of ${schema.enum.map(show).join(', ')}, found ${show(value)}` }];
  }
  const problems: Problem[] = [];
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value)) problems.push({ path: [...path, key], text: 'required, found nothing' });
    }
    for (const [key, item] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      if (sub) problems.push(...check(sub, item, [...path, key]));
      else if (schema.additionalProperties === false) problems.push({ path: [...path, key], text: 'not allowed here' });
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...check(schema.items!, item, [...path, i])));
  }
  if (schema.oneOf) problems.push(...oneOf(schema.oneOf, value, path));
  return problems;
}

/**
 * Exactly one alternative must fit. When none does, the problems of the closest one follow: one whose
 * consts all matched (a tagged union's `type`) and that has the fewest problems, if a single one is closest.
 */
function oneOf(alternatives: Schema[], value: unknown, path: Path): Problem[] {
  const results = alternatives.map((alternative) => check(alternative, value, path));
  const fitting = results.filter((problems) => !problems.length).length;
  if (fitting === 1) return [];
  if (fitting > 1) return [{ path, text: `fits ${fitting} of the alternatives, expected exactly one` }];
  const distance = (problems: Problem[]) => (problems.some((p) => p.constMismatch) ? Infinity : problems.length);
  const nearest = Math.min(...results.map(distance));
  const closest = results.filter((problems) => distance(problems) === nearest);
  return [{ path, text: `fits none of the ${alternatives.length} alternatives` }, ...(closest.length === 1 ? closest[0] : [])];
}
