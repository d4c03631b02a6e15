/** Searching the node library: every word must match the name, display name or category. */
import type { NodeDef } from '../api/objectInfo';

function score(def: NodeDef, words: string[]): number {
  const name = def.displayName.toLowerCase();
  const haystack = `${name} ${def.name.toLowerCase()} ${def.category.toLowerCase()} ${def.description.toLowerCase()}`;
  let total = 0;
  for (const word of words) {
    if (!haystack.includes(word)) return -1;
    if (name.startsWith(word)) total += 4;
    else if (name.includes(word) || def.name.toLowerCase().includes(word)) total += 2;
    else total += 1;
  }
  return total;
}

export function searchNodes(defs: Iterable<NodeDef>, query: string, allowed?: Set<string>): NodeDef[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored: [number, NodeDef][] = [];
  for (const def of defs) {
    if (allowed && !allowed.has(def.name)) continue;
    const value = words.length ? score(def, words) : 0;
    if (value >= 0) scored.push([value, def]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1].category.localeCompare(b[1].category) || a[1].displayName.localeCompare(b[1].displayName));
  return scored.map(([, def]) => def);
}
