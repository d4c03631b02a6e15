/** The menu bar, the queue button with overall progress, and the tab strip. */
import { useRef } from 'react';
import * as commands from '../commands';
import { activeTab, isDirty, useEditor } from '../store/editor';
import { withShortcut } from '../keymap';
import { overallProgress } from '../run/reduce';
import { useRun } from '../store/run';
import { useUi } from '../store/ui';

export function TopBar({ onFit }: { onFit(): void }) {
  const file = useRef<HTMLInputElement>(null);
  const tab = useEditor(activeTab);
  const run = useRun((s) => (tab ? s.runs[tab.id] : undefined));
  const connected = useRun((s) => s.connected);
  const remaining = useRun((s) => s.queueRemaining);
  const panel = useUi((s) => s.panel);
  const setPanel = useUi((s) => s.setPanel);
  const canUndo = Boolean(tab?.past.length);
  const canRedo = Boolean(tab?.future.length);
  const progress = run ? overallProgress(run) : 0;
  const busy = run?.state === 'running' || run?.state === 'queued';
  return (
    <header className="wg-topbar">
      <strong className="wg-brand">Worldgraph</strong>
      <nav className="wg-menu" aria-label="workflow">
        <button onClick={() => useEditor.getState().newTab()} title="New workflow">New</button>
        <button onClick={() => useUi.getState().showOpen()} title={withShortcut('Open', 'open')}>Open</button>
        <button onClick={() => commands.save()} disabled={!tab} title={withShortcut('Save', 'save')}>Save</button>
        <button onClick={() => commands.save(true)} disabled={!tab} title={withShortcut('Save as', 'saveAs')}>Save as</button>
        <button onClick={() => file.current?.click()} title="Import a workflow, PNG or video">Import</button>
        <button onClick={commands.exportJson} disabled={!tab} title="Download as JSON">Export</button>
        <input ref={file} type="file" hidden accept=".json,.png,.mp4,.mkv,.webm,application/json"
          aria-label="import file" onChange={(e) => {
            if (e.target.files) void commands.importFiles(Array.from(e.target.files));
            e.target.value = '';
          }} />
        <span className="wg-sep" />
        <button onClick={() => useEditor.getState().undo()} disabled={!canUndo} title={withShortcut('Undo', 'undo')}>Undo</button>
        <button onClick={() => useEditor.getState().redo()} disabled={!canRedo} title={withShortcut('Redo', 'redo')}>Redo</button>
        <button onClick={onFit} disabled={!tab} title={withShortcut('Fit view', 'fitView')}>Fit</button>
      </nav>
      <div className="wg-run">
        <span className={`wg-conn${connected ? ' on' : ''}`} title={connected ? 'connected' : 'reconnecting…'} />
        <div className="wg-overall" role="progressbar" aria-label="overall progress" aria-valuenow={Math.round(progress * 100)}>
          <div style={{ width: `${progress * 100}%` }} className={run?.state === 'error' ? 'error' : ''} />
          <span>{run && run.state !== 'idle' ? `${run.state}${busy ? ` ${Math.round(progress * 100)}%` : ''}` : 'idle'}</span>
        </div>
        <button className="wg-queue-button" onClick={() => void commands.queue()} disabled={!tab} title={withShortcut('Queue', 'queue')}>
          Queue
        </button>
        <button className={panel === 'queue' ? 'on' : ''} onClick={() => setPanel('queue')}>
          Jobs{remaining ? ` (${remaining})` : ''}
        </button>
        <button className={panel === 'gallery' ? 'on' : ''} onClick={() => setPanel('gallery')}>Outputs</button>
      </div>
    </header>
  );
}

export function TabStrip() {
  const tabs = useEditor((s) => s.tabs);
  const activeId = useEditor((s) => s.activeId);
  return (
    <div className="wg-tabs" role="tablist">
      {tabs.map((tab) => (
        <div key={tab.id} role="tab" aria-selected={tab.id === activeId} className={`wg-tab${tab.id === activeId ? ' active' : ''}`}
          onClick={() => useEditor.getState().activate(tab.id)}
          onAuxClick={(e) => e.button === 1 && void commands.closeTab(tab.id)}>
          <span>{tab.name}</span>
          {isDirty(tab) && <span className="wg-dirty" title="unsaved changes">●</span>}
          <button aria-label={`close ${tab.name}`} onClick={(e) => {
            e.stopPropagation();
            void commands.closeTab(tab.id);
          }}>×</button>
        </div>
      ))}
      <button className="wg-tab-new" aria-label="new tab" onClick={() => useEditor.getState().newTab()}>+</button>
    </div>
  );
}
