// Filters of a view that the API has no parameter for, applied in the
// browser to what it gave: VLAN (subnets carry vlan_id), tag (nodes that
// carry tags) and gone hosts. A VLAN keeps its subnets, everything inside
// them and what is cabled or routed to them; a tag keeps the tagged nodes,
// what they contain and the groups they sit in; hiding gone hosts drops them
// (data.gone_at) and what they contain. Edges are kept between kept nodes.

export const vlanOf = (n) => {
  const v = n.vlan_id ?? (n.data && (n.data.vlan_id ?? n.data.vlan));
  return v === null || v === undefined || v === '' ? null : String(v);
};
export const tagsOf = (n) => n.tags || (n.data && n.data.tags) || [];

export function choices(data) {
  const vlans = new Set(), tags = new Set();
  for (const n of (data && data.nodes) || []) {
    const v = vlanOf(n);
    if (v !== null) vlans.add(v);
    for (const t of tagsOf(n)) tags.add(t);
  }
  return { vlans: [...vlans].sort((a, b) => Number(a) - Number(b)), tags: [...tags].sort() };
}

function descendants(nodes, seeds) {
  const kept = new Set(seeds);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes)
      if (!kept.has(n.id) && n.parent && kept.has(n.parent)) {
        kept.add(n.id);
        grew = true;
      }
  }
  return kept;
}

function ancestors(nodes, kept) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const id of [...kept]) {
    let p = byId.get(id) && byId.get(id).parent;
    while (p && byId.has(p) && !kept.has(p)) {
      kept.add(p);
      p = byId.get(p).parent;
    }
  }
  return kept;
}

export const isGone = (n) => !!(n.data && n.data.gone_at);

export function narrow(data, { vlan, tag, hideGone }) {
  if (!data || (!vlan && !tag && !hideGone)) return data;
  let nodes = data.nodes;
  let edges = data.edges;
  const restrict = (kept) => {
    nodes = nodes.filter((n) => kept.has(n.id)).map((n) => (n.parent && !kept.has(n.parent) ? { ...n, parent: null } : n));
    edges = edges.filter((e) => kept.has(e.source) && kept.has(e.target));
  };
  if (vlan) {
    const seeds = nodes.filter((n) => vlanOf(n) === String(vlan)).map((n) => n.id);
    const kept = descendants(nodes, seeds);
    for (const e of edges) {
      if (seeds.includes(e.source)) kept.add(e.target);
      if (seeds.includes(e.target)) kept.add(e.source);
    }
    restrict(descendants(nodes, kept));
  }
  if (tag) {
    const seeds = nodes.filter((n) => tagsOf(n).includes(tag)).map((n) => n.id);
    restrict(ancestors(nodes, descendants(nodes, seeds)));
  }
  if (hideGone) {
    const dropped = descendants(nodes, nodes.filter(isGone).map((n) => n.id));
    restrict(new Set(nodes.filter((n) => !dropped.has(n.id)).map((n) => n.id)));
  }
  return { ...data, nodes, edges };
}
