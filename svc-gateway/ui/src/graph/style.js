// How each kind of node and edge looks; the legend is built from the same table.
export const NODE_KINDS = {
  router: { color: '#c2410c', shape: 'diamond', label: 'Router' },
  switch: { color: '#15803d', shape: 'round-rectangle', label: 'Switch' },
  host: { color: '#1d4ed8', shape: 'ellipse', label: 'Host' },
  subnet: { color: '#64748b', shape: 'round-rectangle', label: 'Subnet' },
  container: { color: '#7e22ce', shape: 'round-tag', label: 'Container' },
  vm: { color: '#6d28d9', shape: 'round-rectangle', label: 'Virtual machine' },
  service: { color: '#0f766e', shape: 'round-hexagon', label: 'Service' },
  application: { color: '#be185d', shape: 'round-octagon', label: 'Application' },
  interface: { color: '#475569', shape: 'ellipse', label: 'Interface' },
  network: { color: '#0f172a', shape: 'round-rectangle', label: 'Network' },
};
export const EDGE_KINDS = {
  link: { color: '#1f2937', style: 'solid', label: 'Cable (L2 link)' },
  gateway: { color: '#c2410c', style: 'dashed', label: 'Gateway' },
  route: { color: '#b45309', style: 'dotted', label: 'Route' },
  member: { color: '#94a3b8', style: 'solid', label: 'Member of' },
  runs: { color: '#6b7280', style: 'solid', label: 'Runs' },
  depends: { color: '#be123c', style: 'solid', label: 'Depends on', arrow: true },
};

export function stylesheet(large) {
  const s = [
    {
      selector: 'node',
      style: {
        width: 30,
        height: 30,
        'background-color': '#1d4ed8',
        label: 'data(display)',
        'font-size': 10,
        'font-family': 'system-ui, sans-serif',
        color: '#111827',
        'text-valign': 'bottom',
        'text-halign': 'center',
        'text-margin-y': 4,
        'text-wrap': large ? 'none' : 'ellipsis',
        'text-max-width': 80,
        'min-zoomed-font-size': large ? 9 : 0,
        'border-width': 0,
      },
    },
    {
      selector: ':parent',
      style: {
        'background-color': '#f1f5f9',
        'background-opacity': 0.8,
        'border-width': 1,
        'border-color': '#94a3b8',
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -4,
        'font-weight': 'bold',
        'font-size': 12,
        label: 'data(display)',
        padding: 14,
        shape: 'round-rectangle',
      },
    },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'line-color': '#94a3b8',
        'curve-style': large ? 'haystack' : 'bezier',
        'font-size': 9,
        color: '#374151',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': 1,
        'min-zoomed-font-size': 8,
      },
    },
    { selector: 'edge[label]', style: { label: large ? '' : 'data(label)', 'text-rotation': 'autorotate' } },
  ];
  for (const [k, v] of Object.entries(NODE_KINDS)) {
    s.push({ selector: `node.${k}`, style: { 'background-color': v.color, shape: v.shape } });
    s.push({ selector: `node.${k}:parent`, style: { 'background-color': v.color, 'background-opacity': 0.07, 'border-color': v.color } });
  }
  s.push({ selector: 'node.service, node.interface, node.container, node.vm', style: { width: 20, height: 20, 'font-size': 9 } });
  for (const [k, v] of Object.entries(EDGE_KINDS)) {
    s.push({
      selector: `edge.${k}`,
      style: {
        'line-color': v.color,
        'line-style': v.style,
        ...(v.arrow && !large ? { 'target-arrow-shape': 'triangle', 'target-arrow-color': v.color } : {}),
      },
    });
  }
  s.push(
    { selector: 'edge.link', style: { width: 2.5 } },
    { selector: 'edge.depends.inferred', style: { 'line-style': 'dashed' } },
    { selector: 'node.stale', style: { opacity: 0.55, 'border-width': 2, 'border-style': 'dashed', 'border-color': '#6b7280' } },
    // Gone (missed by scans, or stale): fainter still, a dotted red ring.
    { selector: 'node.gone', style: { opacity: 0.4, 'border-width': 2, 'border-style': 'dotted', 'border-color': '#b91c1c', 'text-opacity': 0.7 } },
    { selector: 'node.collapsed', style: { shape: 'round-rectangle', width: 130, height: 40, 'text-max-width': 120, 'text-wrap': 'ellipsis', 'border-width': 2, 'border-style': 'double', 'text-valign': 'center', 'text-halign': 'center', color: '#111827', 'text-margin-y': 0, 'background-opacity': 0.25 } },
    { selector: 'edge.meta', style: { 'line-style': 'dashed', width: 2, opacity: 0.8 } },
    { selector: '.faded', style: { opacity: 0.12, 'text-opacity': 0.1 } },
    { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#f59e0b', 'border-style': 'solid' } },
    { selector: 'edge:selected', style: { width: 4, 'line-color': '#f59e0b' } },
    { selector: '.hit', style: { 'border-width': 4, 'border-color': '#f59e0b', 'border-style': 'solid' } },
  );
  return s;
}
