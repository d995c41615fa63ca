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

const FORCE_MAX = 250; // above this many nodes the force layout is too slow to wait for

export function createGraph(container, view, { saved = {}, layout = 'auto', onSelect, onPositions, onRendered }) {
  const { nodes, edges } = toElements(view);
  const large = nodes.length + edges.length > 1500;
  const useForce = layout === 'force' || (layout === 'auto' && nodes.length <= FORCE_MAX);
  gridLayout(nodes, saved);
  const cy = cytoscape({
    container,
    elements: [...nodes, ...edges],
    style: stylesheet(large),
    layout: { name: 'preset', fit: true, padding: 30 },
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
  let first = true;
  cy.on('render', () => {
    if (!first) return;
    first = false;
    onRendered && onRendered();
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

  // Collapsing a group: its members leave the diagram (kept aside), edges to
  // them become dashed edges to the group; expanding puts everything back.
  const collapsed = new Map();
  function toggleCollapse(n) {
    if (collapsed.has(n.id())) {
      const { removed, metas, label } = collapsed.get(n.id());
      collapsed.delete(n.id());
      cy.batch(() => {
        cy.remove(metas);
        removed.restore();
        n.removeClass('collapsed');
        n.data('display', label);
      });
      return true;
    }
    if (!n.isParent()) return false;
    const inside = n.descendants();
    const outsideEdges = inside.connectedEdges();
    const metaDefs = new Map();
    outsideEdges.forEach((e) => {
      const s = inside.contains(e.source()), t = inside.contains(e.target());
      if (s && t) return;
      const other = s ? e.target() : e.source();
      const key = other.id();
      if (!metaDefs.has(key))
        metaDefs.set(key, { group: 'edges', data: { id: `meta:${n.id()}:${key}`, source: s ? n.id() : key, target: s ? key : n.id(), kind: e.data('kind'), label: '' }, classes: `meta ${e.data('kind') || ''}` });
    });
    const label = n.data('display');
    let removed, metas;
    cy.batch(() => {
      removed = cy.remove(inside.union(outsideEdges));
      n.addClass('collapsed');
      n.data('display', `${label} (${inside.filter((x) => x.isChildless() || true).length})`);
      metas = cy.add([...metaDefs.values()].filter((m) => cy.getElementById(m.data.source).nonempty() && cy.getElementById(m.data.target).nonempty()));
    });
    collapsed.set(n.id(), { removed, metas, label });
    return true;
  }

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

  // The group a node is in, if collapsed, is expanded first.
  function reveal(id) {
    let n = cy.getElementById(id);
    if (n.nonempty()) return n;
    for (const [gid, c] of [...collapsed]) {
      if (c.removed.getElementById(id).nonempty()) {
        toggleCollapse(cy.getElementById(gid));
        n = cy.getElementById(id);
        if (n.nonempty()) return n;
      }
    }
    return n;
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
      cy.batch(() => {
        if (on) cy.nodes(':parent').orphans().forEach((n) => toggleCollapse(n));
        else [...collapsed.keys()].forEach((id) => toggleCollapse(cy.getElementById(id)));
      });
    },
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
