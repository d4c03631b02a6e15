/**
 * The Outputs gallery: the images, videos and sounds this session's runs wrote, newest first. Which
 * outputs count is the run reducer's call (only prompts this editor queued), so it adds them here.
 */
import type { FileRef } from '../api/client';
import type { ExecutionOutput } from '../api/events';

export interface GalleryItem {
  key: string;
  promptId: string;
  node: string;
  kind: 'image' | 'video' | 'audio';
  file: FileRef;
}

const GALLERY_LIMIT = 200;

const KINDS = [['image', 'images'], ['video', 'videos'], ['audio', 'audio']] as const;

/** The gallery with one node's files in front (the oldest fall off past the limit). */
export function withOutputs(gallery: GalleryItem[], promptId: string, node: string, output: ExecutionOutput): GalleryItem[] {
  const fresh = KINDS.flatMap(([kind, field]) => (output[field] ?? []).map((file) => ({
    key: `${promptId}:${node}:${file.type}:${file.subfolder}:${file.filename}`, promptId, node, kind, file,
  })));
  return fresh.length ? [...fresh, ...gallery].slice(0, GALLERY_LIMIT) : gallery;
}
