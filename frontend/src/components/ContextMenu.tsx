/** A right-click menu: a list of actions at the pointer; closes on choice, Escape or a click elsewhere. */
import { useEffect } from 'react';
import { commandFor } from '../keymap';

export interface MenuItem {
  label: string;
  action(): void;
  disabled?: boolean;
}

export interface MenuRequest {
  x: number;
  y: number;
  items: MenuItem[];
}

export function ContextMenu({ request, onClose }: { request: MenuRequest; onClose(): void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => commandFor(event, ['menu']) === 'closeMenu' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const left = Math.min(request.x, window.innerWidth - 220);
  const top = Math.min(request.y, window.innerHeight - 32 * request.items.length - 12);
  return (
    <div className="wg-overlay" onMouseDown={onClose} onContextMenu={(e) => { e.preventDefault(); onClose(); }}>
      <div className="wg-menu-popup" role="menu" style={{ left, top }} onMouseDown={(e) => e.stopPropagation()}>
        {request.items.map((item) => (
          <button key={item.label} role="menuitem" disabled={item.disabled} onClick={() => {
            onClose();
            item.action();
          }}>{item.label}</button>
        ))}
      </div>
    </div>
  );
}
