// Filters of a view that the API has no parameter for, applied in the
// browser to what it gave: VLAN, tag (nodes that carry tags) and gone hosts.
//
// VLANs: a subnet's vlan_id; a host's vlans (heard tagged on its addresses)
// and qinq pairs (outer, inner: offered as "outer.inner"); an L2 cable's
// vlans (what its ends' switch ports carry, native or tagged). A VLAN
// keeps the nodes in it, everything inside them and what is cabled or routed
// to them; a cable whose ports' VLANs are known is kept only when it carries
// that VLAN. A tag keeps the tagged nodes, what they contain and the groups
// they sit in. Hiding gone hosts drops them (data.gone_at) and what they
// contain. Edges are kept between kept nodes.

const str = (v) => (v === null || v === undefined || v === '' ? null : String(v));

export const vlansOf = (n) => {
  const d = n.data || {};
  const out = new Set();
  for (const v of [n.vlan_id, d.vlan_id, d.vlan, ...(Array.isArray(d.vlans) ? d.vlans : [])]) if (str(v) !== null) out.add(str(v));
  for (const p of Array.isArray(d.qinq) ? d.qinq : []) if (Array.isArray(p) && p.length === 2) out.add(`${p[0]}.${p[1]}`);
  return out;
};
export const vlanOf = (n) => {
  const v = [...vlansOf(n)];
  return v.length ? v[0] : null;
};
// An edge's VLANs, or null when they are not known (not a cable, or no
// switch reported its ports': no vlans key, or an empty list).
const edgeVlans = (e) => {
  const v = e.data && e.data.vlans;
  return Array.isArray(v) && v.length ? new Set(v.map(String)) : null;
};
export const tagsOf = (n) => n.tags || (n.data && n.data.tags) || [];

const byVlan = (a, b) => {
  const [ao, ai = 0] = a.split('.').map(Number), [bo, bi = 0] = b.split('.').map(Number);
  return ao - bo || ai - bi;
};

export function choices(data) {
  const vlans = new Set(), tags = new Set();
  for (const n of (data && data.nodes) || []) {
    for (const v of vlansOf(n)) vlans.add(v);
    for (const t of tagsOf(n)) tags.add(t);
  }
  for (const e of (data && data.edges) || []) for (const v of edgeVlans(e) || []) vlans.add(v);
  return { vlans: [...vlans].sort(byVlan), tags: [...tags].sort() };
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
    const want = String(vlan);
    const seeds = new Set(nodes.filter((n) => vlansOf(n).has(want)).map((n) => n.id));
    const kept = descendants(nodes, [...seeds]);
    edges = edges.filter((e) => {
      const ev = edgeVlans(e);
      return ev === null || ev.has(want);
    });
    for (const e of edges) {
      if (seeds.has(e.source) || edgeVlans(e)) kept.add(e.target);
      if (seeds.has(e.target) || edgeVlans(e)) kept.add(e.source);
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
