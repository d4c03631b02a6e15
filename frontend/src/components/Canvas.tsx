/** The graph canvas of the active tab: React Flow with our node kinds, link rules and the add-node dialog. */
import type { Connection, FinalConnectionState, IsValidConnection, OnConnectEnd, ReactFlowInstance } from '@xyflow/react';
import { Background, Controls, MiniMap, ReactFlow, SelectionMode } from '@xyflow/react';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { NodeDef } from '../api/objectInfo';
import type { FlowEdge, FlowNode } from '../graph/document';
import { handleName, inputHandle, outputHandle } from '../graph/document';
import { addNode, connect, connectionProblem, duplicate, nodesAccepting, nodesProducing, removeElements, setTitle } from '../graph/edit';
import * as commands from '../commands';
import { askText, notify } from '../store/ui';
import type { MenuRequest } from './ContextMenu';
import { ContextMenu } from './ContextMenu';
import { compatible } from '../graph/types';
import { activeTab, useEditor } from '../store/editor';
import { canPlay } from '../live/store';
import type { AddNodeRequest } from './AddNodeDialog';
import { AddNodeDialog } from './AddNodeDialog';
import { LinkedInputs } from './context';
import { GroupView } from './GroupView';
import { WorldNodeView, useTypeColour } from './WorldNodeView';

const nodeTypes = { world: WorldNodeView, frame: GroupView };

interface Pending {
  node: string;
  handle: string;
  type: 'source' | 'target';
  valueType: string;
}

export function Canvas({ onReady }: { onReady(instance: ReactFlowInstance<FlowNode, FlowEdge>): void }) {
  const tab = useEditor(activeTab);
  const editor = useEditor.getState();
  const colour = useTypeColour();
  const flow = useRef<ReactFlowInstance<FlowNode, FlowEdge> | null>(null);
  const [adding, setAdding] = useState<(AddNodeRequest & { pending?: Pending }) | null>(null);
  const [menu, setMenu] = useState<MenuRequest | null>(null);

  const linked = useMemo(() => {
    const map = new Map<string, Set<string>>();
    for (const edge of tab?.doc.edges ?? []) {
      if (!map.has(edge.target)) map.set(edge.target, new Set());
      map.get(edge.target)!.add(handleName(edge.targetHandle));
    }
    return map;
  }, [tab?.doc.edges]);

  const edges = useMemo(() => (tab?.doc.edges ?? []).map((edge) => ({
    ...edge, style: { stroke: colour(edge.data?.type ?? '*'), strokeWidth: 2 },
  })), [tab?.doc.edges, colour]);

  const isValidConnection: IsValidConnection<FlowEdge> = useCallback((connection) => {
    const doc = activeTab(useEditor.getState())?.doc;
    return Boolean(doc) && connectionProblem(doc!, connection as Connection, useEditor.getState().library) === null;
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    const state = useEditor.getState();
    const refused = state.change((doc) => connect(doc, connection, state.library)) === false;
    if (refused) {
      const doc = activeTab(state)?.doc;
      const problem = doc && connectionProblem(doc, connection, state.library);
      if (problem) notify('error', `link refused: ${problem}`);
    }
  }, []);

  const onConnectEnd: OnConnectEnd = useCallback((event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid || state.toNode || !state.fromNode || !state.fromHandle || !flow.current) return;
    const point = 'changedTouches' in event ? event.changedTouches[0] : event;
    const fromNode = activeTab(useEditor.getState())?.doc.nodes.find((n) => n.id === state.fromNode!.id);
    if (fromNode?.type !== 'world') return;
    const def = useEditor.getState().library.get(fromNode.data.cls);
    const name = handleName(state.fromHandle.id);
    const fromSource = state.fromHandle.type === 'source';
    const valueType = fromSource ? def?.outputs.find((o) => o.name === name)?.type : def?.inputs.find((i) => i.name === name)?.type;
    if (!valueType) return;
    const lib = useEditor.getState().library;
    setAdding({
      at: flow.current.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
      screen: { x: point.clientX, y: point.clientY },
      allowed: fromSource ? nodesAccepting(lib, valueType) : nodesProducing(lib, valueType),
      wire: { type: valueType, into: fromSource },
      hint: fromSource ? `nodes that take ${valueType}` : `nodes that give ${valueType}`,
      pending: { node: fromNode.id, handle: name, type: state.fromHandle.type, valueType },
    });
  }, []);

  const choose = (def: NodeDef) => {
    const request = adding!;
    setAdding(null);
    const state = useEditor.getState();
    let created = '';
    state.change((doc) => {
      const added = addNode(doc, def, request.at);
      created = added.id;
      const pending = request.pending;
      if (!pending) return added.doc;
      const connection: Connection = pending.type === 'source'
        ? { source: pending.node, sourceHandle: outputHandle(pending.handle), target: created,
            targetHandle: inputHandle(def.inputs.find((i) => compatible(pending.valueType, i.type))?.name ?? '') }
        : { source: created, sourceHandle: outputHandle(def.outputs.find((o) => compatible(o.type, pending.valueType))?.name ?? ''),
            target: pending.node, targetHandle: inputHandle(pending.handle) };
      return connect(added.doc, connection, state.library) ?? added.doc;
    });
  };

  const onDoubleClick = (event: React.MouseEvent) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('react-flow__pane') || !flow.current) return;
    setAdding({ at: flow.current.screenToFlowPosition({ x: event.clientX, y: event.clientY }), screen: { x: event.clientX, y: event.clientY } });
  };

  const change = (edit: Parameters<typeof editor.change>[0]) => useEditor.getState().change(edit);

  const nodeMenu = (event: React.MouseEvent, node: FlowNode) => {
    event.preventDefault();
    if (!node.selected) {
      change((doc) => ({ ...doc, nodes: doc.nodes.map((n) => ({ ...n, selected: n.id === node.id })) }));
    }
    const title = node.type === 'world' ? node.data.title || useEditor.getState().library.get(node.data.cls)?.displayName || node.data.cls
      : node.data.title;
    const playable = node.type === 'world' && canPlay(useEditor.getState().library.get(node.data.cls));
    const play = playable ? [
      { label: 'Play live', action: () => commands.play(node.id) },
      { label: 'Play from…', action: () => void commands.playFrom(node.id) },
    ] : [];
    setMenu({
      x: event.clientX, y: event.clientY, items: [
        ...play,
        { label: 'Rename…', action: () => void askText('Rename', title).then((name) => name !== null && change((doc) => setTitle(doc, node.id, name.trim()))) },
        { label: 'Duplicate', action: () => change((doc) => duplicate(doc, new Set([node.id]))) },
        { label: 'Copy', action: commands.copy },
        { label: 'Group selection', action: commands.groupSelection },
        { label: 'Delete', action: commands.deleteSelection },
      ],
    });
  };

  const paneMenu = (event: React.MouseEvent | MouseEvent) => {
    event.preventDefault();
    const screen = { x: event.clientX, y: event.clientY };
    const at = flow.current?.screenToFlowPosition(screen) ?? { x: 0, y: 0 };
    setMenu({
      ...screen, items: [
        { label: 'Add node…', action: () => setAdding({ at, screen }) },
        { label: 'Paste', action: () => commands.pasteAt(at), disabled: !useEditor.getState().clipboard },
        { label: 'Add group', action: commands.groupSelection },
        { label: 'Fit view', action: () => void flow.current?.fitView({ duration: 200 }) },
      ],
    });
  };

  const edgeMenu = (event: React.MouseEvent, edge: FlowEdge) => {
    event.preventDefault();
    setMenu({
      x: event.clientX, y: event.clientY,
      items: [{ label: 'Delete link', action: () => change((doc) => removeElements(doc, new Set(), new Set([edge.id]))) }],
    });
  };

  if (!tab) return <div className="wg-canvas wg-empty-canvas">No workflow open. Press “New” or open one.</div>;
  return (
    <div className="wg-canvas" onDoubleClick={onDoubleClick}>
      <LinkedInputs.Provider value={linked}>
        <ReactFlow<FlowNode, FlowEdge>
          key={tab.id}
          nodes={tab.doc.nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          defaultViewport={tab.doc.viewport}
          fitView={tab.fitOnShow}
          fitViewOptions={{ maxZoom: 1 }}
          onInit={(instance) => {
            flow.current = instance;
            onReady(instance);
            useEditor.getState().shown(tab.id);
          }}
          onNodesChange={editor.onNodesChange}
          onEdgesChange={editor.onEdgesChange}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          onNodeContextMenu={nodeMenu}
          onPaneContextMenu={paneMenu}
          onEdgeContextMenu={edgeMenu}
          isValidConnection={isValidConnection}
          onMoveEnd={(_, viewport) => useEditor.getState().setViewport(viewport)}
          deleteKeyCode={null}
          zoomOnDoubleClick={false}
          selectionKeyCode={["Shift", "Control", "Meta"]}
          multiSelectionKeyCode={['Control', 'Meta']}
          selectionMode={SelectionMode.Partial}
          onlyRenderVisibleElements
          minZoom={0.05}
          maxZoom={3}
          connectionRadius={24}
          proOptions={{ hideAttribution: true }}
          colorMode="dark"
        >
          <Background gap={24} />
          <MiniMap pannable zoomable nodeColor={(n) => (n.type === 'frame' ? '#33415555' : '#64748b')} />
          <Controls />
        </ReactFlow>
      </LinkedInputs.Provider>
      {adding && <AddNodeDialog request={adding} onChoose={choose} onClose={() => setAdding(null)} />}
      {menu && <ContextMenu request={menu} onClose={() => setMenu(null)} />}
    </div>
  );
}
