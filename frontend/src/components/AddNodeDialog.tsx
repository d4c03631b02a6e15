/** The add-node dialog: search the library, grouped by category; arrows and Enter to choose. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { NodeDef } from '../api/objectInfo';
import type { WireFit } from '../graph/search';
import { searchNodes } from '../graph/search';
import { useEditor } from '../store/editor';

export interface AddNodeRequest {
  /** Where the node goes, in flow coordinates. */
  at: { x: number; y: number };
  /** Where the dialog shows, in screen coordinates. */
  screen: { x: number; y: number };
  /** Only these classes (a wire dropped on the canvas: the nodes it can connect to). */
  allowed?: Set<string>;
  /** The dropped wire: nodes with a socket of exactly its type rank first. */
  wire?: WireFit;
  hint?: string;
}

export function AddNodeDialog({ request, onChoose, onClose }: {
  request: AddNodeRequest; onChoose(def: NodeDef): void; onClose(): void;
}) {
  const library = useEditor((s) => s.library);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const list = useRef<HTMLDivElement>(null);
  const found = useMemo(() => searchNodes(library.values(), query, request.allowed, request.wire),
    [library, query, request.allowed, request.wire]);
  useEffect(() => setIndex(0), [query]);
  useEffect(() => {
    list.current?.querySelector('.active')?.scrollIntoView({ block: 'nearest' });
  }, [index]);
  const left = Math.min(request.screen.x, window.innerWidth - 380);
  const top = Math.min(request.screen.y, window.innerHeight - 440);
  let lastCategory = '';
  return (
    <div className="wg-overlay" onMouseDown={onClose}>
      <div className="wg-add-dialog" role="dialog" aria-label="Add node" style={{ left, top }} onMouseDown={(e) => e.stopPropagation()}>
        <input autoFocus placeholder="Search nodes…" aria-label="search nodes" value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setIndex((i) => Math.min(i + 1, found.length - 1));
            else if (e.key === 'ArrowUp') setIndex((i) => Math.max(i - 1, 0));
            else if (e.key === 'Enter' && found[index]) onChoose(found[index]);
            else if (e.key === 'Escape') onClose();
            else return;
            e.preventDefault();
          }} />
        {request.hint && <div className="wg-hint">{request.hint}</div>}
        <div className="wg-add-list" ref={list}>
          {found.length === 0 && <div className="wg-empty">No node matches.</div>}
          {found.map((def, i) => {
            const heading = !query && def.category !== lastCategory ? def.category || 'other' : null;
            lastCategory = def.category;
            return (
              <div key={def.name}>
                {heading && <div className="wg-category">{heading}</div>}
                <button className={`wg-add-item${i === index ? ' active' : ''}`} onMouseEnter={() => setIndex(i)}
                  onClick={() => onChoose(def)} title={def.description}>
                  <span>{def.displayName}</span>
                  <small>{def.category}{def.source && def.source !== 'builtin' ? ` · ${def.source}` : ''}</small>
                </button>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
