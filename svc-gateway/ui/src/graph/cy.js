// The diagram: Cytoscape with the grouped grid layout (or fcose for small
// views), collapsing of groups, neighbour highlighting, saved positions,
// search-to-focus, keyboard pan/zoom, PNG and SVG export. Loaded on demand so
// the other pages do not pay for the graph library.
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import cytoscapeSvg from 'cytoscape-svg';
import { gridLayout, toElements } from './layout.js';
import { stylesheet } from './style.js';

cytoscape.use(fcose);
cytoscape.use(cytoscapeSvg);

const FORCE_MAX = 250;

// Cytoscape adds a <style> element unless one with this id exists; the CSP
// allows no inline styles, so the rule it holds is in style.css and a
// placeholder takes the id.
const CY_STYLE_ID = '__________cytoscape_stylesheet';
function claimStylesheet() {
  if (document.getElementById(CY_STYLE_ID)) return;
  const m = document.createElement('meta');
  m.id = CY_STYLE_ID;
  m.name = 'cytoscape-stylesheet';
  m.content = 'in style.css';
  document.head.appendChild(m);
} // above this many nodes the force layout is too slow to wait for

const COLLAPSE_OVER = 1500; // nodes: above this, groups start collapsed

export function createGraph(container, view, { saved = {}, layout = 'auto', expanded = false, onSelect, onPositions, onRendered }) {
  claimStylesheet();
  const { nodes, edges } = toElements(view);
  const large = nodes.length + edges.length > 1500;
  const useForce = layout === 'force' || (layout === 'auto' && nodes.length <= FORCE_MAX);
  gridLayout(nodes, saved);

  // Groups and collapsing. Every element's definition stays here; the
  // diagram holds what is visible: a collapsed group stands for its members,
  // and edges to members become dashed edges to the group.
  const defs = new Map(nodes.map((n) => [n.data.id, n]));
  const kids = new Map();
  for (const n of nodes) {
    const p = n.data.parent;
    if (p) (kids.get(p) || kids.set(p, []).get(p)).push(n.data.id);
  }
  const descendants = (id) => {
    const out = [];
    const walk = (x) => (kids.get(x) || []).forEach((k) => (out.push(k), walk(k)));
    walk(id);
    return out;
  };
  const collapsed = new Set();
  // The outermost collapsed group an element is in, or itself.
  const shown = (id) => {
    let top = id;
    for (let p = defs.get(id) && defs.get(id).data.parent; p; p = defs.get(p) && defs.get(p).data.parent) if (collapsed.has(p)) top = p;
    return top;
  };
  const groupLabel = (id) => `${defs.get(id).data.display} (${descendants(id).length})`;
  const startCollapsed = !expanded && layout === 'auto' && nodes.length > COLLAPSE_OVER && kids.size > 0;
  let initial = nodes;
  if (startCollapsed) {
    const roots = nodes.filter((n) => !n.data.parent);
    for (const r of roots) if (kids.has(r.data.id)) collapsed.add(r.data.id);
    // The collapsed groups and loose nodes, packed on their own.
    const packed = gridLayout(roots.map((r) => ({ data: { ...r.data }, classes: r.classes })), saved);
    initial = packed.map((r) =>
      collapsed.has(r.data.id) ? { ...r, data: { ...r.data, display: groupLabel(r.data.id) }, classes: `${r.classes} collapsed` } : r,
    );
  }
  function visibleEdges() {
    const out = [];
    const metas = new Map();
    for (const e of edges) {
      const s = shown(e.data.source), t = shown(e.data.target);
      if (s === e.data.source && t === e.data.target) out.push(e);
      else if (s !== t) {
        const id = `meta:${s}:${t}`;
        if (!metas.has(id)) metas.set(id, { group: 'edges', data: { id, source: s, target: t, kind: e.data.kind, label: '' }, classes: `meta ${e.data.kind || ''}` });
      }
    }
    return out.concat([...metas.values()]);
  }

  const cy = cytoscape({
    container,
    style: stylesheet(large),
    layout: { name: 'null' },
    minZoom: 0.02,
    maxZoom: 4,
    wheelSensitivity: 0.3,
    boxSelectionEnabled: false,
    pixelRatio: large ? 1 : 'auto',
    textureOnViewport: large,
    hideEdgesOnViewport: large,
    hideLabelsOnViewport: large,
    motionBlur: false,
  });
  // Added in one batch with positions already set: no layout pass.
  cy.batch(() => {
    cy.add(initial);
    cy.add(visibleEdges());
  });
  cy.fit(undefined, 30);
  let first = true;
  cy.on('render', () => {
    if (!first) return;
    first = false;
    onRendered && onRendered({ collapsedGroups: collapsed.size, shownNodes: cy.nodes().length });
  });
  if (useForce && nodes.length > 1) {
    const hasSaved = nodes.some((n) => saved[n.data.id]);
    const l = cy.layout({
      name: 'fcose',
      quality: 'default',
      randomize: !hasSaved,
      animate: false,
      fit: true,
      padding: 30,
      nodeDimensionsIncludeLabels: true,
      idealEdgeLength: 90,
      nodeRepulsion: 6000,
      nestingFactor: 0.6,
      tile: true,
      packComponents: true,
    });
    l.one('layoutstop', () => {
      // Where the user dragged nodes before wins over the computed layout.
      cy.batch(() => {
        for (const [id, p] of Object.entries(saved)) {
          const n = cy.getElementById(id);
          if (n.nonempty() && n.isChildless()) n.position(p);
        }
      });
      cy.fit(undefined, 30);
    });
    l.run();
  }

  function toggleCollapse(n) {
    const id = n.id();
    if (collapsed.has(id)) {
      // Expand: the members (those not in a group still collapsed) come
      // back, centred on where the group stands now.
      collapsed.delete(id);
      const back = descendants(id).filter((d) => shown(d) === d).map((d) => defs.get(d));
      const leaves = back.filter((d) => d.position);
      const cx = leaves.reduce((a, d) => a + d.position.x, 0) / (leaves.length || 1);
      const cy0 = leaves.reduce((a, d) => a + d.position.y, 0) / (leaves.length || 1);
      const at = n.position();
      cy.batch(() => {
        cy.remove(cy.edges());
        n.removeClass('collapsed');
        n.data('display', defs.get(id).data.display);
        cy.add(back.map((d) => (d.position ? { ...d, position: { x: d.position.x - cx + at.x, y: d.position.y - cy0 + at.y } } : d)));
        for (const d of back) if (collapsed.has(d.data.id)) cy.getElementById(d.data.id).addClass('collapsed').data('display', groupLabel(d.data.id));
        cy.add(visibleEdges());
      });
      return true;
    }
    if (!n.isParent()) return false;
    const inside = n.descendants();
    const pos = n.position();
    cy.batch(() => {
      inside.forEach((d) => {
        if (d.isChildless()) defs.get(d.id()).position = { ...d.position() };
      });
      collapsed.add(id);
      cy.remove(inside);
      cy.remove(cy.edges());
      n.position(pos);
      n.addClass('collapsed');
      n.data('display', groupLabel(id));
      cy.add(visibleEdges());
    });
    return true;
  }

  // Neighbour highlighting and selection.
  const clearFade = () => cy.elements('.faded').removeClass('faded');
  const focus = (ele) => {
    cy.batch(() => {
      clearFade();
      const keep = ele.isNode() ? ele.closedNeighborhood().union(ele.ancestors()).union(ele.descendants()) : ele.union(ele.connectedNodes());
      cy.elements().not(keep).not(keep.ancestors()).addClass('faded');
    });
  };
  cy.on('tap', 'node, edge', (e) => {
    focus(e.target);
    onSelect && onSelect(describe(e.target));
  });
  cy.on('tap', (e) => {
    if (e.target === cy) {
      clearFade();
      onSelect && onSelect(null);
    }
  });
  cy.on('dbltap', 'node', (e) => toggleCollapse(e.target));
  // A gone host says why when hovered (the container's title is the tooltip).
  cy.on('mouseover', 'node', (e) => {
    container.title = e.target.data('tip') || '';
  });
  cy.on('mouseout', 'node', () => {
    container.title = '';
  });

  // Saving where the user put things.
  cy.on('dragfree', 'node', (e) => {
    const moved = {};
    const n = e.target;
    const leaves = n.isParent() ? n.descendants().filter((d) => d.isChildless()) : n;
    leaves.forEach((l) => {
      const p = l.position();
      moved[l.id()] = { x: Math.round(p.x), y: Math.round(p.y) };
    });
    onPositions && onPositions(moved);
  });

  function describe(ele) {
    if (ele.isNode()) {
      const api = ele.data('api');
      const neighbours = ele.neighborhood('node').map((x) => ({ id: x.id(), label: x.data('label') || x.data('ip'), kind: x.data('kind') }));
      const parent = ele.parent().nonempty() ? ele.parent().data('label') : null;
      const edgesOut = ele.connectedEdges().map((e) => ({ id: e.id(), kind: e.data('kind'), label: e.data('label'), other: (e.source().same(ele) ? e.target() : e.source()).data('label') }));
      return { type: 'node', id: ele.id(), api, parent, neighbours, edges: edgesOut, collapsed: collapsed.has(ele.id()), members: ele.isParent() ? ele.descendants().length : 0 };
    }
    return { type: 'edge', id: ele.id(), api: ele.data('api') || ele.data(), source: ele.source().data('label'), target: ele.target().data('label'), sourceId: ele.source().id(), targetId: ele.target().id() };
  }

  // The groups a node is in, if collapsed, are expanded first.
  function reveal(id) {
    for (let top = shown(id); top !== id; top = shown(id)) toggleCollapse(cy.getElementById(top));
    return cy.getElementById(id);
  }

  return {
    cy,
    large,
    select(id) {
      const n = reveal(id);
      if (n.empty()) return false;
      cy.elements(':selected').unselect();
      n.select();
      focus(n);
      cy.animate({ center: { eles: n }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 250 });
      onSelect && onSelect(describe(n));
      return true;
    },
    search(text) {
      const t = text.trim().toLowerCase();
      if (!t) return null;
      const all = nodes.map((n) => n.data);
      const exact = all.find((d) => d.label.toLowerCase() === t || d.ip === t);
      const hit = exact || all.find((d) => d.label.toLowerCase().includes(t) || d.ip.startsWith(t));
      return hit ? hit.id : null;
    },
    labels() {
      return nodes.map((n) => n.data.label || n.data.ip).filter(Boolean);
    },
    toggleCollapse(id) {
      const n = cy.getElementById(id);
      return n.nonempty() && toggleCollapse(n);
    },
    collapseAll(on) {
      if (on) cy.nodes(':parent').orphans().forEach((n) => toggleCollapse(n));
      else while (collapsed.size) toggleCollapse(cy.getElementById([...collapsed].find((g) => shown(g) === g)));
    },
    collapsedCount: () => collapsed.size,
    hideKinds(kinds) {
      cy.batch(() => {
        cy.nodes().forEach((n) => {
          n.style('display', kinds.has(n.data('kind')) && !n.isParent() ? 'none' : 'element');
        });
        cy.edges().forEach((e) => e.style('display', kinds.has('edge:' + e.data('kind')) ? 'none' : 'element'));
      });
    },
    fit() {
      cy.fit(undefined, 30);
    },
    zoomBy(f) {
      cy.zoom({ level: cy.zoom() * f, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    },
    panBy(dx, dy) {
      cy.panBy({ x: dx, y: dy });
    },
    png() {
      const big = cy.elements().boundingBox();
      const scale = Math.min(2, 8000 / Math.max(big.w, big.h, 1));
      return cy.png({ output: 'blob', full: true, bg: '#ffffff', scale });
    },
    svg() {
      return cy.svg({ full: true, bg: '#ffffff' });
    },
    destroy() {
      cy.destroy();
    },
  };
}
