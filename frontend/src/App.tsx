/** The editor: top bar, tabs, canvas, side panel, dialogs; start-up, shortcuts and file drops. */
import type { ReactFlowInstance } from '@xyflow/react';
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useRef, useState } from 'react';
import { api } from './api/client';
import { EventSocket } from './api/events';
import { parseObjectInfo } from './api/objectInfo';
import * as commands from './commands';
import { Canvas } from './components/Canvas';
import { Dialogs, Notices } from './components/Dialogs';
import { SidePanel } from './components/Panels';
import { TabStrip, TopBar } from './components/TopBar';
import { dispatchToExtensions, loadExtensions, reportPacks } from './extensions';
import type { FlowEdge, FlowNode } from './graph/document';
import { commandFor } from './keymap';
import { useLive } from './live/store';
import { LiveViewport } from './live/Viewport';
import { isDirty, useEditor } from './store/editor';
import { persistSession, restoreSession } from './store/persist';
import { useRun } from './store/run';
import { notify, useUi } from './store/ui';

const DEFAULT_TEMPLATE = 'default.json';

let started: Promise<void> | null = null;

/** Load the library, then reopen the last session's tabs, or the default workflow on a first visit. */
function start(): Promise<void> {
  started ??= load();
  return started;
}

async function load(): Promise<void> {
  const [info, types] = await Promise.all([api.objectInfo(), api.socketTypes()]);
  useEditor.getState().setLibrary(parseObjectInfo(info), types);
  if (!restoreSession(useEditor.getState().library)) {
    await commands.openTemplate(DEFAULT_TEMPLATE);
    if (!useEditor.getState().tabs.length) useEditor.getState().newTab();
  }
  void loadExtensions();
  void reportPacks();
}

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function App() {
  const [ready, setReady] = useState<'loading' | 'ready' | string>('loading');
  const flow = useRef<ReactFlowInstance<FlowNode, FlowEdge> | null>(null);
  const pointer = useRef({ x: 200, y: 200 });
  const [dropping, setDropping] = useState(false);

  useEffect(() => {
    start().then(() => setReady('ready'), (error: Error) => setReady(`cannot reach the server: ${error.message}`));
    const stopPersisting = persistSession();
    const run = useRun.getState();
    const socket = new EventSocket(run.clientId, {
      onEvent: (event) => {
        useRun.getState().dispatch(event);
        dispatchToExtensions(event);
      },
      onState: run.setConnected,
      onInvalid: (type, errors) => {
        console.warn(`dropped a ${type} message that does not fit the server's message schema:`, errors);
        notify('error', `the server sent a ${type} message this editor does not understand (ignored; details in the console)`);
      },
    });
    socket.open();
    const guard = (event: BeforeUnloadEvent) => {
      if (useEditor.getState().tabs.some(isDirty)) event.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => {
      socket.close();
      stopPersisting();
      window.removeEventListener('beforeunload', guard);
    };
  }, []);

  useEffect(() => {
    const view: commands.CanvasView = {
      fit: () => void flow.current?.fitView({ duration: 200 }),
      pointer: () => flow.current?.screenToFlowPosition(pointer.current) ?? { x: 0, y: 0 },
    };
    const onKey = (event: KeyboardEvent) => {
      if (useUi.getState().dialog || useLive.getState().open) return;
      const command = commandFor(event, typing(event.target) ? ['anywhere'] : ['anywhere', 'canvas']);
      if (!command || command === 'closeMenu') return;
      event.preventDefault();
      commands.shortcuts[command](view);
    };
    const onMove = (event: MouseEvent) => {
      pointer.current = { x: event.clientX, y: event.clientY };
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousemove', onMove);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousemove', onMove);
    };
  }, []);

  return (
    <ReactFlowProvider>
      <div className={`wg-app${dropping ? ' dropping' : ''}`}
        onDragOver={(e) => {
          if (!e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          setDropping(true);
        }}
        onDragLeave={(e) => e.currentTarget === e.target && setDropping(false)}
        onDrop={(e) => {
          if (!e.dataTransfer.files.length) return;
          e.preventDefault();
          setDropping(false);
          const files = Array.from(e.dataTransfer.files);
          const target = (e.target as HTMLElement).closest('.react-flow__node-world')?.getAttribute('data-id');
          void (async () => {
            if (target && files.length === 1 && (await commands.dropOnNode(target, files[0]))) return;
            await commands.importFiles(files);
          })();
        }}>
        <TopBar onFit={() => void flow.current?.fitView({ duration: 200 })} />
        <TabStrip />
        <main className="wg-main">
          {ready === 'ready' ? <Canvas onReady={(instance) => (flow.current = instance)} /> : (
            <div className="wg-canvas wg-empty-canvas" role={ready === 'loading' ? 'status' : 'alert'}>
              {ready === 'loading' ? 'Loading the node library…' : ready}
            </div>
          )}
          <SidePanel />
        </main>
        <LiveViewport />
        <Dialogs />
        <Notices />
        {dropping && <div className="wg-drop-hint">Drop a workflow, PNG or video to open it</div>}
      </div>
    </ReactFlowProvider>
  );
}
