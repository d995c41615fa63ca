// The views' in-browser filters (svc-gateway/ui/src/graph/narrow.js): the
// VLAN choices a view offers (subnets, hosts' VLANs and QinQ pairs, cables'
// port VLANs) and what a VLAN keeps: the nodes in it, cables carrying it and
// their ends, and (as before) whatever is joined to a node in it by an edge
// whose VLANs are unknown; tags unchanged. Node's standard library only.
import assert from 'node:assert/strict';
import { choices, narrow } from '../../svc-gateway/ui/src/graph/narrow.js';

const l2 = {
  nodes: [
    { id: 'h:sw', data: { vlans: [20, 30, 40], vlan_id: null, tags: ['core'] } },
    { id: 'h:a', data: { vlans: [], vlan_id: null } },
    { id: 'h:b', data: { vlans: [], vlan_id: null } },
    { id: 'h:q', data: { vlans: [30], vlan_id: 30, qinq: [[30, 300]] } },
    { id: 'h:z', data: { vlans: [], vlan_id: null } },
  ],
  edges: [
    { id: 'l:1', source: 'h:sw', target: 'h:a', data: { vlans: [20, 30] } },
    { id: 'l:2', source: 'h:sw', target: 'h:b', data: { vlans: [40] } },
    { id: 'l:3', source: 'h:sw', target: 'h:q', data: { vlans: [] } },
    { id: 'l:4', source: 'h:a', target: 'h:z', data: { vlans: [99] } },
  ],
};
const ids = (d) => [d.nodes.map((n) => n.id).join(','), d.edges.map((e) => e.id).join(',')];

assert.deepEqual(choices(l2).vlans, ['20', '30', '30.300', '40', '99']);
assert.deepEqual(choices(l2).tags, ['core']);
// 20: the switch, the cable carrying 20 and its far end; l:2 (40 only) goes,
// and with it b; q stays (l:3's VLANs unknown); l:4 (99) goes.
assert.deepEqual(ids(narrow(l2, { vlan: '20' })), ['h:sw,h:a,h:q', 'l:1,l:3']);
assert.deepEqual(ids(narrow(l2, { vlan: 40 })), ['h:sw,h:b,h:q', 'l:2,l:3']);
// 99: only the cable's ends, a and z (neither node is in it)
assert.deepEqual(ids(narrow(l2, { vlan: '99' })), ['h:a,h:z', 'l:4']);
// a QinQ pair: the host heard in it, and what its unknown cable joins
assert.deepEqual(ids(narrow(l2, { vlan: '30.300' })), ['h:sw,h:q', 'l:3']);
// none: the view as given
assert.equal(narrow(l2, { vlan: '', tag: '' }), l2);

// L3: a subnet's VLAN keeps the subnet and its members, as before.
const l3 = {
  nodes: [
    { id: 's:1', parent: null, data: { vlan_id: 10 } },
    { id: 'h:1', parent: 's:1', data: { vlans: [] } },
    { id: 's:2', parent: null, data: { vlan_id: null } },
    { id: 'h:2', parent: 's:2', data: { vlans: [] } },
  ],
  edges: [{ id: 'g:1', source: 'h:1', target: 's:1', data: { ip: '10.0.0.1' } }],
};
assert.deepEqual(ids(narrow(l3, { vlan: '10' })), ['s:1,h:1', 'g:1']);
assert.deepEqual(ids(narrow(l2, { tag: 'core' })), ['h:sw', '']);
console.log('ok - narrow.js VLAN and tag filters');
