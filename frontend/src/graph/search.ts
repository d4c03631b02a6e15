/** Searching the node library: every word must match the name, display name, category or description — exactly,
 * or forgiving a typo (a missing letter, one wrong or extra letter) — and nodes that fit a dropped wire's type
 * exactly rank before those that take anything. */
import type { NodeDef } from '../api/objectInfo';

/** A wire dropped on the canvas: its socket type, and whether the new node takes it in (else it gives it). */
export interface WireFit {
  type: string;
  into: boolean;
}

/** The words of a text: split at spaces and punctuation, and at camel-case humps (`WanderRollout`). */
function tokens(text: string): string[] {
  return text.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Whether ``word`` is ``token`` with letters left out (`wandr` in `wander`), starting alike. */
function subsequence(word: string, token: string): boolean {
  if (word[0] !== token[0]) return false;
  let at = 0;
  for (const letter of token) if (letter === word[at]) at += 1;
  return at === word.length;
}

/** Whether two words differ by at most one letter changed, added or dropped, or two letters swapped. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  const rest = (x: string, y: string) => x.slice(i + 1) === y.slice(i + 1);
  return rest(a, b) || a.slice(i + 1) === b.slice(i) || a.slice(i) === b.slice(i + 1)
    || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
}

function forgiven(word: string, words: string[]): boolean {
  if (word.length < 3) return false;
  return words.some((token) => subsequence(word, token) || (word.length >= 4 && oneEditApart(word, token)));
}

function score(def: NodeDef, words: string[]): number {
  const name = def.displayName.toLowerCase();
  const haystack = `${name} ${def.name.toLowerCase()} ${def.category.toLowerCase()} ${def.description.toLowerCase()}`;
  const vocabulary = tokens(`${def.displayName} ${def.name} ${def.category} ${def.description}`);
  let total = 0;
  for (const word of words) {
    if (name.startsWith(word)) total += 4;
    else if (name.includes(word) || def.name.toLowerCase().includes(word)) total += 2;
    else if (haystack.includes(word)) total += 1;
    else if (forgiven(word, vocabulary)) total += 0.5;
    else return -1;
  }
  return total;
}

/** How well ``def`` fits the wire: 3 when one of its sockets has exactly the wire's type, 0 when it only takes or
 * gives anything (`*`) or a union. */
function fit(def: NodeDef, wire: WireFit | undefined): number {
  if (!wire) return 0;
  const types = wire.into ? def.inputs.map((input) => input.type) : def.outputs.map((output) => output.type);
  return types.includes(wire.type) ? 3 : 0;
}

export function searchNodes(defs: Iterable<NodeDef>, query: string, allowed?: Set<string>, wire?: WireFit): NodeDef[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored: [number, NodeDef][] = [];
  for (const def of defs) {
    if (allowed && !allowed.has(def.name)) continue;
    const value = words.length ? score(def, words) : 0;
    if (value >= 0) scored.push([value + fit(def, wire), def]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1].category.localeCompare(b[1].category) || a[1].displayName.localeCompare(b[1].displayName));
  return scored.map(([, def]) => def);
}
