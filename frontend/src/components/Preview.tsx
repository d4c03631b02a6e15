/** Inline previews of a node's outputs: images, a video player, an audio player, text. */
import type { ExecutionOutput } from '../api/events';
import { viewUrl } from '../api/client';

export function Preview({ output }: { output: ExecutionOutput }) {
  return (
    <div className="wg-preview nodrag nowheel">
      {(output.images ?? []).slice(0, 4).map((file) => (
        <img key={file.filename} src={viewUrl(file)} alt={file.filename} loading="lazy" />
      ))}
      {(output.videos ?? []).map((file) => (
        <video key={file.filename} src={viewUrl(file)} controls preload="metadata" />
      ))}
      {(output.audio ?? []).map((file) => (
        <audio key={file.filename} src={viewUrl(file)} controls preload="metadata" />
      ))}
      {(output.text ?? []).map((text, index) => <pre key={index}>{text}</pre>)}
    </div>
  );
}
