/** A group: a titled, resizable frame; dragging it carries the nodes inside (see store/editor.ts). */
import type { NodeProps } from '@xyflow/react';
import { NodeResizer } from '@xyflow/react';
import { memo, useState } from 'react';
import type { GroupNode } from '../graph/document';
import { setTitle } from '../graph/edit';
import { useEditor } from '../store/editor';

function GroupViewImpl({ id, data, selected }: NodeProps<GroupNode>) {
  const [editing, setEditing] = useState(false);
  const edit = useEditor((s) => s.change);
  return (
    <div className={`wg-group${selected ? ' selected' : ''}`} style={data.color ? { borderColor: data.color, background: `${data.color}22` } : undefined}>
      <NodeResizer isVisible={selected} minWidth={120} minHeight={80} />
      {editing ? (
        <input className="nodrag wg-title-edit" autoFocus defaultValue={data.title} aria-label="group title"
          onBlur={(e) => {
            setEditing(false);
            edit((doc) => setTitle(doc, id, e.target.value.trim() || 'Group'));
          }}
          onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()} />
      ) : (
        <div className="wg-group-title" onDoubleClick={() => setEditing(true)}>{data.title}</div>
      )}
    </div>
  );
}

export const GroupView = memo(GroupViewImpl);
