/** Side panels: the job queue (running, pending, history) and the outputs gallery. */
import { useCallback, useEffect, useState } from 'react';
import type { HistoryEntry, QueueState } from '../api/client';
import { api, viewUrl } from '../api/client';
import { openAnyJson } from '../commands';
import { useRun } from '../store/run';
import { notify, useUi } from '../store/ui';

function shortId(id: string) {
  return id.slice(0, 8);
}

export function QueuePanel() {
  const [queue, setQueue] = useState<QueueState | null>(null);
  const [history, setHistory] = useState<[string, HistoryEntry][]>([]);
  const remaining = useRun((s) => s.queueRemaining);
  const runStates = useRun((s) => Object.values(s.runs).map((r) => `${r.promptId}:${r.state}`).join());
  const refresh = useCallback(async () => {
    try {
      const [q, h] = await Promise.all([api.queue(), api.history(30)]);
      setQueue(q);
      setHistory(Object.entries(h));
    } catch (error) {
      notify('error', `cannot read the queue: ${(error as Error).message}`);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh, remaining, runStates]);
  const act = async (action: Promise<unknown>) => {
    await action.catch((error: Error) => notify('error', error.message));
    void refresh();
  };
  return (
    <aside className="wg-panel" aria-label="Jobs">
      <h2>Running</h2>
      {!queue?.queue_running.length && <p className="wg-empty">Nothing running.</p>}
      {queue?.queue_running.map((item) => (
        <div className="wg-job running" key={item[1]}>
          <span>#{item[0]} {shortId(item[1])}</span>
          <button onClick={() => act(api.interrupt(item[1]))}>Interrupt</button>
        </div>
      ))}
      <h2>Pending</h2>
      {!queue?.queue_pending.length && <p className="wg-empty">Queue empty.</p>}
      {queue?.queue_pending.map((item) => (
        <div className="wg-job" key={item[1]}>
          <span>#{item[0]} {shortId(item[1])}</span>
          <button onClick={() => act(api.cancel([item[1]]).then(() => useRun.getState().dispatch({ type: 'prompt_cancelled', promptId: item[1] })))}>Cancel</button>
        </div>
      ))}
      <h2>History <button className="wg-link" onClick={() => void refresh()}>refresh</button></h2>
      {history.map(([id, entry]) => (
        <div className={`wg-job ${entry.status.status_str}`} key={id}>
          <span title={id}>#{entry.prompt[0]} {shortId(id)} · {entry.status.status_str}</span>
          <button title="open this job's workflow in a new tab"
            onClick={() => void openAnyJson(entry.prompt[2], `Job ${entry.prompt[0]}`)}>Open</button>
        </div>
      ))}
    </aside>
  );
}

export function Gallery() {
  const items = useRun((s) => s.gallery);
  return (
    <aside className="wg-panel wg-gallery" aria-label="Outputs">
      <h2>Outputs</h2>
      {!items.length && <p className="wg-empty">Outputs of this session appear here.</p>}
      {items.map((item) => (
        <figure key={item.key}>
          {item.kind === 'image' && <img src={viewUrl(item.file)} alt={item.file.filename} loading="lazy" />}
          {item.kind === 'video' && <video src={viewUrl(item.file)} controls preload="metadata" />}
          {item.kind === 'audio' && <audio src={viewUrl(item.file)} controls preload="metadata" />}
          <figcaption><a href={viewUrl(item.file)} target="_blank" rel="noreferrer">{item.file.filename}</a></figcaption>
        </figure>
      ))}
    </aside>
  );
}

export function SidePanel() {
  const panel = useUi((s) => s.panel);
  if (panel === 'queue') return <QueuePanel />;
  if (panel === 'gallery') return <Gallery />;
  return null;
}
