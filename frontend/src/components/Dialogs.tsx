/** Modal dialogs (name a file, unsaved changes, confirm, open) and the notices corner. */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { openSaved, openTemplate } from '../commands';
import type { Dialog } from '../store/ui';
import { notify, useUi } from '../store/ui';

function TextDialog({ dialog }: { dialog: Extract<Dialog, { kind: 'text' }> }) {
  const [value, setValue] = useState(dialog.value);
  return (
    <form className="wg-modal" role="dialog" aria-label={dialog.title} onSubmit={(e) => {
      e.preventDefault();
      dialog.resolve(value);
    }}>
      <h2>{dialog.title}</h2>
      <input autoFocus aria-label="name" value={value} onChange={(e) => setValue(e.target.value)}
        onFocus={(e) => e.target.select()} onKeyDown={(e) => e.key === 'Escape' && dialog.resolve(null)} />
      <div className="wg-actions">
        <button type="button" onClick={() => dialog.resolve(null)}>Cancel</button>
        <button type="submit" className="primary">OK</button>
      </div>
    </form>
  );
}

function OpenDialog() {
  const [saved, setSaved] = useState<string[] | null>(null);
  const [templates, setTemplates] = useState<string[]>([]);
  const close = useUi((s) => s.close);
  const refresh = () => {
    api.listWorkflows().then(setSaved, () => setSaved([]));
    api.templates().then(setTemplates, () => setTemplates([]));
  };
  useEffect(refresh, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') close(); };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [close]);
  const remove = async (name: string) => {
    if (!window.confirm(`Delete ${name}?`)) return;
    await api.deleteWorkflow(name).catch((error: Error) => notify('error', error.message));
    refresh();
  };
  return (
    <div className="wg-modal wg-open" role="dialog" aria-label="Open workflow">
      <h2>Open workflow</h2>
      <h3>Saved</h3>
      {saved?.length === 0 && <p className="wg-empty">No saved workflows yet (Ctrl+S saves one).</p>}
      <ul>
        {saved?.map((name) => (
          <li key={name}>
            <button className="wg-open-item" onClick={() => { close(); void openSaved(name); }}>{name.replace(/\.json$/, '')}</button>
            <button className="wg-link" aria-label={`delete ${name}`} onClick={() => void remove(name)}>delete</button>
          </li>
        ))}
      </ul>
      <h3>Templates</h3>
      <ul>
        {templates.map((name) => (
          <li key={name}>
            <button className="wg-open-item" onClick={() => { close(); void openTemplate(name); }}>{name.replace(/\.json$/, '')}</button>
          </li>
        ))}
      </ul>
      <div className="wg-actions"><button onClick={close}>Close</button></div>
    </div>
  );
}

export function Dialogs() {
  const dialog = useUi((s) => s.dialog);
  if (!dialog) return null;
  return (
    <div className="wg-overlay wg-dim">
      {dialog.kind === 'text' && <TextDialog dialog={dialog} />}
      {dialog.kind === 'open' && <OpenDialog />}
      {dialog.kind === 'confirm' && (
        <div className="wg-modal" role="dialog" aria-label="Confirm">
          <p>{dialog.text}</p>
          <div className="wg-actions">
            <button onClick={() => dialog.resolve(false)}>Cancel</button>
            <button className="primary" autoFocus onClick={() => dialog.resolve(true)}>OK</button>
          </div>
        </div>
      )}
      {dialog.kind === 'unsaved' && (
        <div className="wg-modal" role="dialog" aria-label="Unsaved changes">
          <p>“{dialog.name}” has unsaved changes.</p>
          <div className="wg-actions">
            <button onClick={() => dialog.resolve('cancel')}>Cancel</button>
            <button onClick={() => dialog.resolve('discard')}>Discard</button>
            <button className="primary" autoFocus onClick={() => dialog.resolve('save')}>Save</button>
          </div>
        </div>
      )}
    </div>
  );
}

export function Notices() {
  const notices = useUi((s) => s.notices);
  const dismiss = useUi((s) => s.dismiss);
  return (
    <div className="wg-notices" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className={`wg-notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          <span>{notice.text}</span>
          <button aria-label="dismiss" onClick={() => dismiss(notice.id)}>×</button>
        </div>
      ))}
    </div>
  );
}
