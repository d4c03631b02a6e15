/** Values every node component needs that are cheaper to compute once per graph than per node. */
import { createContext } from 'react';

/** node id -> names of its inputs that have a link */
export const LinkedInputs = createContext<Map<string, Set<string>>>(new Map());
