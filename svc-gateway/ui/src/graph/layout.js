// Turning a view (the API's {nodes, edges}) into Cytoscape elements, and a
// grouped grid layout that stays fast and readable at thousands of nodes:
// each group (subnet, switch, host, application: any node that is some
// node's parent) packs its children in rows, groups are packed the same way
// one level up. Positions are computed before Cytoscape sees the elements,
// so the first render needs no layout pass.

export const LEAF_W = 60;
export const LEAF_H = 64; // node plus its two-line label
const GAP = 26;
const PAD = 34; // inside a group, room for its label

const KIND_ORDER = { router: 0, switch: 1, subnet: 2, application: 3, host: 4, container: 5, vm: 5, service: 6, interface: 7 };

function ipKey(ip) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)/.exec(ip || '');
  return m ? ((+m[1] * 256 + +m[2]) * 256 + +m[3]) * 256 + +m[4] : Infinity;
}

// Elements for Cytoscape, with what the API gives kept in data. Edges whose
// ends are missing and parents that are not in the view are dropped rather
// than failing the whole diagram.
export function toElements(view) {
  const ids = new Set(view.nodes.map((n) => n.id));
  const nodes = view.nodes.map((n) => {
    const display = n.ip && n.ip !== n.label ? `${n.label || n.ip}\n${n.ip}` : n.label || n.id;
    const gone = goneOf(n);
    return {
      group: 'nodes',
      data: {
        id: n.id,
        parent: n.parent && ids.has(n.parent) && n.parent !== n.id ? n.parent : undefined,
        kind: n.kind,
        label: n.label || '',
        display,
        ip: n.ip || '',
        category: n.category || '',
        host_id: n.host_id || null,
        stale: !!n.stale,
        gone: !!gone,
        tip: gone ? goneText(gone) : '',
        api: n,
      },
      classes: [n.kind, n.stale ? 'stale' : '', gone ? 'gone' : ''].filter(Boolean).join(' '),
    };
  });
  breakParentCycles(nodes);
  const edges = [];
  const seen = new Set();
  for (const e of view.edges) {
    if (!ids.has(e.source) || !ids.has(e.target)) continue;
    let id = e.id || `${e.kind}:${e.source}:${e.target}`;
    while (seen.has(id)) id += "'";
    seen.add(id);
    edges.push({
      group: 'edges',
      data: { id, source: e.source, target: e.target, kind: e.kind, label: e.label || '', api: e },
      // Dependencies scans inferred are drawn dashed, users' solid.
      classes: [e.kind || '', e.data && e.data.source === 'inferred' ? 'inferred' : ''].join(' ').trim(),
    });
  }
  return { nodes, edges };
}

// A host the model says is gone (data.gone_at, gone_reason: missed_by_scan
// when complete scans stopped hearing it, stale when it was not seen for
// days): { at, reason, lastSeen }, or null.
export function goneOf(n) {
  const d = n && n.data;
  return d && d.gone_at ? { at: d.gone_at, reason: d.gone_reason || 'stale', lastSeen: d.last_seen } : null;
}

// What a gone host's tooltip and side panel say.
export function goneText(g) {
  const t = (x) => (x ? new Date(x).toLocaleString() : 'unknown');
  return g.reason === 'missed_by_scan' ? `Gone: not seen by the scan of ${t(g.at)} (last seen ${t(g.lastSeen)})` : `Gone: not seen since ${t(g.lastSeen)}`;
}

function breakParentCycles(nodes) {
  const byId = new Map(nodes.map((n) => [n.data.id, n]));
  for (const n of nodes) {
    const seen = new Set([n.data.id]);
    let p = n.data.parent;
    while (p) {
      if (seen.has(p)) {
        n.data.parent = undefined;
        break;
      }
      seen.add(p);
      p = byId.get(p) && byId.get(p).data.parent;
    }
  }
}

// Sets position on every childless node (Cytoscape derives a group's box
// from its children). `saved` (id -> {x, y}) overrides what it computes.
export function gridLayout(nodes, saved = {}) {
  const children = new Map();
  const roots = [];
  for (const n of nodes) {
    const p = n.data.parent;
    if (p) {
      if (!children.has(p)) children.set(p, []);
      children.get(p).push(n);
    } else roots.push(n);
  }
  const order = (a, b) =>
    (children.has(b.data.id) ? 1 : 0) - (children.has(a.data.id) ? 1 : 0) ||
    (KIND_ORDER[a.data.kind] ?? 9) - (KIND_ORDER[b.data.kind] ?? 9) ||
    ipKey(a.data.ip) - ipKey(b.data.ip) ||
    String(a.data.label).localeCompare(String(b.data.label));

  // Size of a node's box, children arranged (memoised in boxes).
  const boxes = new Map();
  function measure(n) {
    const kids = children.get(n.data.id);
    if (!kids) {
      const b = { w: LEAF_W, h: LEAF_H, items: null };
      boxes.set(n.data.id, b);
      return b;
    }
    kids.sort(order);
    const b = pack(kids.map((k) => ({ n: k, ...measure(k) })));
    b.w += 2 * PAD;
    b.h += 2 * PAD;
    boxes.set(n.data.id, b);
    return b;
  }
  // Rows of items, wrapping at a width that makes the block roughly 4:3.
  function pack(items) {
    const area = items.reduce((s, i) => s + (i.w + GAP) * (i.h + GAP), 0);
    const maxW = Math.max(Math.sqrt(area * 1.33), ...items.map((i) => i.w));
    let x = 0, y = 0, rowH = 0, w = 0;
    for (const i of items) {
      if (x > 0 && x + i.w > maxW) {
        y += rowH + GAP;
        x = 0;
        rowH = 0;
      }
      i.x = x;
      i.y = y;
      x += i.w + GAP;
      rowH = Math.max(rowH, i.h);
      w = Math.max(w, x - GAP);
    }
    return { w, h: y + rowH, items };
  }
  function place(n, x, y) {
    const b = boxes.get(n.data.id);
    if (!b.items) {
      n.position = saved[n.data.id] ? { ...saved[n.data.id] } : { x: x + b.w / 2, y: y + b.h / 2 };
      return;
    }
    for (const i of b.items) place(i.n, x + PAD + i.x, y + PAD + i.y);
  }
  roots.sort(order);
  const top = pack(roots.map((r) => ({ n: r, ...measure(r) })));
  for (const i of top.items) place(i.n, i.x, i.y);
  return nodes;
}
