/**
 * The Director's palette in the viewport: a row of groups (Tab / Shift+Tab switch) and the group's events
 * (click, or the number keys 1-9). Characters come with a behaviour to choose.
 */
import type { PaletteEntry, PaletteGroup } from './palette';

/** Buttons here do not take the focus: Space and Enter stay the walk's (jump, Keep), never a button's click. */
export const keepFocus = (event: React.MouseEvent) => event.preventDefault();

export function Palette({ groups, active, onGroup, onTrigger, behaviours, behaviour, onBehaviour, disabled }: {
  groups: PaletteGroup[];
  active: number;
  onGroup(index: number): void;
  onTrigger(entry: PaletteEntry, group: PaletteGroup): void;
  behaviours: string[];
  behaviour: string;
  onBehaviour(behaviour: string): void;
  disabled: boolean;
}) {
  const group = groups[active];
  if (!group) return null;
  return (
    <div className="wg-live-palette" aria-label="direct">
      <div className="wg-live-groups" role="tablist">
        {groups.map((g, index) => (
          <button key={g.id} role="tab" aria-selected={index === active} className={index === active ? 'on' : ''}
            onClick={() => onGroup(index)} onMouseDown={keepFocus} tabIndex={-1}>{g.label}</button>
        ))}
        <span className="wg-live-keyhint">Tab</span>
      </div>
      <div className="wg-live-entries">
        {group.entries.map((entry, index) => (
          <button key={entry.id} disabled={disabled} tabIndex={-1} onMouseDown={keepFocus} onClick={() => onTrigger(entry, group)}
            title={index < 9 ? `key ${index + 1}` : undefined}>
            {index < 9 && <kbd>{index + 1}</kbd>}{entry.label}
          </button>
        ))}
        {group.id === 'character' && behaviours.length > 0 && (
          <select aria-label="behaviour" value={behaviour} tabIndex={-1} onChange={(e) => onBehaviour(e.target.value)}>
            {behaviours.map((b) => <option key={b} value={b}>{b.replace(/_/g, ' ')}</option>)}
          </select>
        )}
      </div>
    </div>
  );
}
