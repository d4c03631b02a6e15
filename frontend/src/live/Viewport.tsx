/**
 * The live Play viewport: a full-screen overlay that plays a node's world. The picture, the HUD, the
 * Director's palette, Keep (Enter) and Discard (Esc; the first Esc releases the mouse as browsers do), a
 * start time to re-walk from, the picture size, and the server's messages (a refused event as a toast; a
 * session that crashed or was refused as a message, the editor untouched).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useEditor } from '../store/editor';
import { notify } from '../store/ui';
import { Hud } from './Hud';
import { applyKeep } from './keep';
import type { PaletteEntry, PaletteGroup } from './palette';
import { behaviours, buildPalette, toSend } from './palette';
import { Palette, keepFocus } from './Palette';
import type { ServerNote } from './protocol';
import type { PlayRequest } from './store';
import { SIZES, useLive } from './store';
import { formatTime, parseTime } from './time';
import { useLiveSession } from './useSession';

interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  seq?: number;
}

const TOAST_MS = { info: 2500, error: 7000 };
const UNLOCK_GRACE_MS = 300;
let toastCounter = 0;

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function LiveViewport() {
  const open = useLive((s) => s.open);
  const size = useLive((s) => s.size);
  return open ? <Viewport key={`${open.id}:${size.join('x')}`} request={open} size={size} /> : null;
}

function Viewport({ request, size }: { request: PlayRequest; size: [number, number] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const library = useEditor((s) => s.library);
  const title = useEditor((s) => {
    const node = s.tabs.find((t) => t.id === request.tab)?.doc.nodes.find((n) => n.id === request.node);
    if (node?.type !== 'world') return request.node;
    return node.data.title || s.library.get(node.data.cls)?.displayName || node.data.cls;
  });
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [locked, setLocked] = useState(false);
  const [from, setFrom] = useState(formatTime(request.start));
  const choices = useMemo(() => behaviours(library), [library]);
  const [behaviour, setBehaviour] = useState(() => String(library.get('InsertCharacter')?.inputs.find((i) => i.name === 'behaviour')?.options.default ?? choices[0] ?? ''));
  const [active, setActive] = useState(0);
  const muted = useLive((s) => s.muted);
  const hasSound = useLive((s) => s.sound !== null);

  const toast = useCallback((text: string, kind: Toast['kind'], seq?: number) => {
    const id = ++toastCounter;
    setToasts((shown) => [...shown.slice(-3), { id, text, kind, seq }]);
    setTimeout(() => setToasts((shown) => shown.filter((t) => t.id !== id)), TOAST_MS[kind]);
  }, []);

  const keepRecording = (recording: Extract<ServerNote, { type: 'recording' }>) => {
    const editor = useEditor.getState();
    const tab = editor.tabs.find((t) => t.id === request.tab);
    if (!tab) return session.refuseKeep('its tab was closed');
    const kept = recording.keep;
    if (!kept) return session.refuseKeep(recording.keep_refused ?? 'the server sent nothing to keep');
    const applied = applyKeep(tab.doc, kept, editor.library);
    if ('refused' in applied) return session.refuseKeep(applied.refused);
    if (editor.activeId !== tab.id) editor.activate(tab.id);
    useEditor.getState().change(() => applied.doc);
    const events = applied.added.length ? `, ${applied.added.length} event${applied.added.length > 1 ? 's' : ''} after node ${kept.after}` : '';
    notify('info', `kept the walk in node ${kept.walk.node}${events} (Ctrl+Z undoes it)`);
    useLive.getState().close();
  };

  const session = useLiveSession(request, size, canvas, {
    onError: (message, seq) => {
      const refused = seq === undefined ? undefined : toasts.find((t) => t.seq === seq);
      toast(refused ? `${refused.text}: ${message}` : message, 'error');
    },
    onRecording: keepRecording,
  });
  const { view } = session;
  const playing = view.phase === 'playing';
  const fps = view.ready?.fps ?? 30;
  const groups = useMemo(() => buildPalette(library, fps, behaviour), [library, fps, behaviour]);

  const trigger = (entry: PaletteEntry, group: PaletteGroup) => {
    const seq = session.trigger(toSend(entry.event));
    if (seq) toast(`${formatTime(session.stats.current?.last?.time ?? 0)} ${group.label.toLowerCase()}: ${entry.label}`, 'info', seq);
  };
  const keep = () => session.end(true);
  const discard = () => {
    session.end(false);
    useLive.getState().close();
  };
  const leave = () => useLive.getState().close();
  const restart = () => {
    const start = parseTime(from);
    if (start === null) return toast(`“${from}” is not a time (m:ss or seconds)`, 'error');
    useLive.getState().play(request.tab, request.node, start);
  };

  const keys = useRef({ playing, keep, discard, leave, trigger, groups, active });
  keys.current = { playing, keep, discard, leave, trigger, groups, active };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const now = keys.current;
      if (typing(event.target)) {
        if (event.key === 'Escape') (event.target as HTMLElement).blur();
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        // the browser lets the mouse go on Escape; some pass that Escape on too, just after the unlock
        if (document.pointerLockElement) document.exitPointerLock();
        else if (performance.now() - unlockedAt < UNLOCK_GRACE_MS) return;
        else if (now.playing) now.discard();
        else now.leave();
      } else if (event.key === 'Enter' && now.playing) {
        event.preventDefault();
        now.keep();
      } else if (event.code === 'KeyM' && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        useLive.getState().toggleMuted();
      } else if (event.key === 'Tab') {
        event.preventDefault();
        const count = now.groups.length || 1;
        setActive((now.active + (event.shiftKey ? count - 1 : 1)) % count);
      } else if (/^Digit[1-9]$/.test(event.code) && !event.ctrlKey && !event.metaKey && !event.altKey) {
        const group = now.groups[now.active];
        const entry = group?.entries[Number(event.code.slice(5)) - 1];
        if (entry && now.playing) {
          event.preventDefault();
          now.trigger(entry, group);
        }
      }
    };
    let unlockedAt = -Infinity;
    const onLock = () => {
      const isLocked = document.pointerLockElement === canvas.current;
      if (!isLocked) unlockedAt = performance.now();
      setLocked(isLocked);
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('pointerlockchange', onLock);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerlockchange', onLock);
    };
  }, []);

  return (
    <div className="wg-live" role="dialog" aria-label="Live play" data-phase={view.phase}>
      <canvas ref={canvas} className="wg-live-canvas" width={size[0]} height={size[1]} aria-label="live view" />
      {locked && <div className="wg-live-crosshair" />}
      <div className="wg-live-top">
        <div className="wg-live-title">
          <span className="wg-live-dot" data-on={playing} />
          <strong>Live</strong> {title} <span className="wg-live-muted">#{request.node}</span>
        </div>
        {view.ready && view.phase !== 'ended' && (
          <Hud stats={session.stats} path={session.path} backend={`${view.ready.backend} · ${view.ready.size.join('×')} · ${view.ready.fps} fps`}
            sound={hasSound && view.ready.audio ? { muted, toggle: () => useLive.getState().toggleMuted() } : null} />
        )}
        <div className="wg-live-actions">
          <label className="wg-live-from">from
            <input aria-label="start time" value={from} size={5} onChange={(e) => setFrom(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && restart()} />
          </label>
          <button onMouseDown={keepFocus} onClick={restart} title="walk again from this time (what was walked here is discarded)">Restart</button>
          <select aria-label="picture size" value={size.join('x')} onChange={(e) => useLive.getState().setSize(e.target.value.split('x').map(Number) as [number, number])}>
            {SIZES.map(([w, h]) => <option key={`${w}x${h}`} value={`${w}x${h}`}>{h}p</option>)}
          </select>
          {view.phase === 'ended' ? (
            <button className="primary" onMouseDown={keepFocus} onClick={leave}>Leave <kbd>Esc</kbd></button>
          ) : (
            <>
              <button className="wg-live-keep" disabled={!playing} onMouseDown={keepFocus} onClick={keep}
                title="keep the walk in the graph: the track in the walk node, the events as Director nodes">Keep <kbd>Enter</kbd></button>
              <button disabled={view.phase === 'ending'} onMouseDown={keepFocus} onClick={discard}
                title="leave without changing the graph">Discard <kbd>Esc</kbd></button>
            </>
          )}
        </div>
      </div>
      <div className="wg-live-toasts" aria-live="polite">
        {toasts.map((t) => <div key={t.id} className={`wg-live-toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>{t.text}</div>)}
      </div>
      {view.phase !== 'ended' && (
        <Palette groups={groups} active={Math.min(active, groups.length - 1)} onGroup={setActive} onTrigger={trigger}
          behaviours={choices} behaviour={behaviour} onBehaviour={setBehaviour} disabled={!playing} />
      )}
      {playing && !locked && (
        <div className="wg-live-hint">
          Click the picture to look around (or drag) · <kbd>W</kbd><kbd>A</kbd><kbd>S</kbd><kbd>D</kbd> move · <kbd>Shift</kbd> sprint ·
          {' '}<kbd>Space</kbd> jump · <kbd>C</kbd> crouch · <kbd>←</kbd><kbd>→</kbd> turn · <kbd>M</kbd> sound
        </div>
      )}
      {(view.phase === 'connecting' || view.phase === 'starting') && (
        <div className="wg-live-status" role="status">Preparing the world of node {request.node}…</div>
      )}
      {view.phase === 'ending' && <div className="wg-live-status" role="status">{view.keeping ? 'Keeping the walk…' : 'Ending…'}</div>}
      {view.phase === 'ended' && view.message && (
        <div className="wg-live-status error" role="alert">
          <p>{view.message}</p>
          <button className="primary" onMouseDown={keepFocus} onClick={leave}>Back to the graph</button>
        </div>
      )}
    </div>
  );
}
