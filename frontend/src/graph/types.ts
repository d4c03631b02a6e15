/** Socket-type rules, the same as graph/types.py: unions are comma-separated, `*` matches anything. */

export const ANY = '*';
export const WIDGET_TYPES: ReadonlySet<string> = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);

export function splitTypes(name: string): Set<string> {
  return new Set(name.split(',').map((part) => part.trim()).filter(Boolean));
}

/** May an output of type `produced` feed an input of type `accepted`? */
export function compatible(produced: string, accepted: string): boolean {
  const out = splitTypes(produced);
  const into = splitTypes(accepted);
  if (out.has(ANY) || into.has(ANY)) return true;
  for (const type of out) if (into.has(type)) return true;
  return false;
}

const FALLBACK_COLOURS = ['#f87171', '#34d399', '#60a5fa', '#facc15', '#c084fc', '#2dd4bf', '#fb7185'];

/** A stable colour for a type the server did not describe (e.g. one a pack declared late). */
export function fallbackColour(type: string): string {
  let hash = 0;
  for (const char of type) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return FALLBACK_COLOURS[Math.abs(hash) % FALLBACK_COLOURS.length];
}
