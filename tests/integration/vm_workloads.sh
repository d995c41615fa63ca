#!/usr/bin/env bash
# Virtual machines under their hypervisor, agentlessly, as a Linux hypervisor
# (Proxmox VE, libvirt/KVM) shows them: a namespace of this test's own is the
# hypervisor, with a bridge vmbr0 and two real tap devices on it, each held
# open by a "VM NIC" (vm_nic.py: TUNSETIFF IFF_TAP|IFF_NO_PI, gratuitous ARP
# from the guest's MAC, ARP and TCP SYN answers): tap100i0 (Proxmox naming,
# VM 100, a Proxmox MAC) and vnet0 (libvirt naming, a QEMU MAC), held by
# processes named as a hypervisor's are (kvm, qemu-system-x86: a real QEMU
# cannot run here, vm_nic.py renames itself); a third tap, tap0, is a
# bridged VPN's (its holder named openvpn), and a veth to a "container"
# namespace is a fourth port: neither is a VM. A fifth, veth200i0, is a
# Proxmox container's (its eth0 in a namespace of its own, its config
# lxc/200.conf in the pve tree): a guest lxc, named by its hostname, under
# its node in GET /hosts/{id} and the workloads view, tied to the host the
# scan found with its MAC. The VMs' names are where the
# hypervisors keep them, in this test's own trees (--pve-root: a Proxmox
# cluster's corosync.conf and qemu-server/100.conf; --libvirt-root: a
# running domain's status XML naming vnet0).
#
# The whole system runs on the hypervisor namespace's loopback; a daemon
# there (daemon_poll) reports itself, with its VM NICs read from sysfs, and
# scans the bridge's subnet through the real pipeline (gateway, NATS,
# fingerprint, topology). Checked: each VM is a workload of kind vm under the
# hypervisor's host, tied to the host the scan found with its MAC, marked
# virtual by its OUI; GET /hosts/{id} shows a hypervisor's VMs and a VM's
# hypervisor; the workloads view nests them; a second report changes
# nothing; a VM whose tap is gone is stopped; the container and the VPN
# are neither. Then VM 100 migrates to a second node of the cluster (a
# second namespace with its own bridge and daemon, pve2): it stays one
# workload, moved to pve2's host (vm_moved), running whatever the order of
# the two nodes' reports. Last, three reports of such a migration, each
# node's from its own daemon, published on the bus in each of their orders
# (and with reports resent): the same end and the same change log every
# time (one vm_moved, at the new node's report), and a late older report of
# a node never brings back a VM its newer one no longer names; a VM that
# goes and comes back, two moves in every order.
. "$(dirname "$0")/lib.sh"
export VMW_NET=${VMW_NET:-$((200 + $$ % 50))} # the outer part's, kept by the inner
N=$VMW_NET
export HV_IP=10.249.$N.1 VM1_IP=10.249.$N.10 VM2_IP=10.249.$N.11 CT_IP=10.249.$N.12
export VM1_MAC=bc:24:11:00:01:00 VM2_MAC=52:54:00:00:02:00 CT_MAC=02:42:ac:11:00:0c
export LXC_IP=10.249.$N.14 LXC_MAC=bc:24:11:00:02:c8 # Proxmox container 200
export VPN_IP=10.249.$N.13 VPN_MAC=02:ac:00:00:00:0d CLUSTER=lab-$N
export LINK1=10.248.$N.1 LINK2=10.248.$N.2 # the two nodes' own link

if [ "${1:-}" != --inner ]; then
	HV=hv$$ CT=ct$$ HV2=hvb$$ LXC=lxc$$
	NS_PAIR="$HV $CT $HV2 $LXC"
	export HV2
	trap 'rc=$?; netns_pair_down; set +e; (exit $rc); env_down' EXIT
	ip netns add "$HV" && ip netns add "$CT" && ip netns add "$HV2" && ip netns add "$LXC"
	hv() { ip -n "$HV" "$@"; }
	hv link set lo up
	hv link add vmbr0 type bridge
	hv addr add "$HV_IP/24" dev vmbr0
	hv link set vmbr0 up
	# the second node of the cluster, with its bridge, linked to the first
	ip -n "$HV2" link set lo up
	ip -n "$HV2" link add vmbr0 type bridge
	ip -n "$HV2" link set vmbr0 up
	hv link add link0 type veth peer name link0 netns "$HV2"
	hv addr add "$LINK1/30" dev link0
	hv link set link0 up
	ip -n "$HV2" addr add "$LINK2/30" dev link0
	ip -n "$HV2" link set link0 up
	vm() { # IFNAME MAC IP COMM: a VM NIC on vmbr0, its tap held by COMM
		ip netns exec "$HV" python3 "$ROOT/tests/integration/vm_nic.py" "$1" "$2" "$3" \
			"$T_DIR/$1.ready" "$4" >"$T_DIR/$1.log" 2>&1 &
		echo $! >>"$T_DIR/peer.pids"
		echo $! >"$T_DIR/$1.pid"
		wait_for 20 test -s "$T_DIR/$1.ready"
		hv link set "$1" master vmbr0 up
	}
	vm tap100i0 "$VM1_MAC" "$VM1_IP" kvm
	vm vnet0 "$VM2_MAC" "$VM2_IP" qemu-system-x86
	vm tap0 "$VPN_MAC" "$VPN_IP" openvpn
	# the container: a veth port, its other end in a namespace of its own
	hv link add veth-ct type veth peer name eth0 netns "$CT"
	hv link set veth-ct master vmbr0 up
	ip -n "$CT" link set lo up
	ip -n "$CT" link set eth0 address "$CT_MAC" up
	ip -n "$CT" addr add "$CT_IP/24" dev eth0
	ip netns exec "$CT" ping -c1 -W1 "$HV_IP" >/dev/null || true
	# a Proxmox container, 200: its host-side veth named as Proxmox names it
	# (veth<VMID>i<N>), its eth0 in a namespace of its own
	hv link add veth200i0 type veth peer name eth0 netns "$LXC"
	hv link set veth200i0 master vmbr0 up
	ip -n "$LXC" link set lo up
	ip -n "$LXC" link set eth0 address "$LXC_MAC" up
	ip -n "$LXC" addr add "$LXC_IP/24" dev eth0
	ip netns exec "$LXC" ping -c1 -W1 "$HV_IP" >/dev/null || true
	learned() { ip netns exec "$HV" bridge fdb show br vmbr0 | grep -q "^$1 dev $2 master"; }
	check "the bridge learned VM 100's MAC on its tap" wait_for 10 learned "$VM1_MAC" tap100i0
	check "and the libvirt VM's on vnet0" wait_for 10 learned "$VM2_MAC" vnet0
	check "and the container's on its veth" wait_for 10 learned "$CT_MAC" veth-ct
	check "and the VPN peer's on tap0" wait_for 10 learned "$VPN_MAC" tap0
	check "and the Proxmox container's on veth200i0" wait_for 10 learned "$LXC_MAC" veth200i0
	check "tap100i0's holder is named kvm, tap0's openvpn" test \
		"$(cat /proc/"$(cat "$T_DIR/tap100i0.pid")"/comm) $(cat /proc/"$(cat "$T_DIR/tap0.pid")"/comm)" = "kvm openvpn"
	# the VM NIC kill switches for the inner part: the VMs' pids
	export VM1_PID_FILE=$T_DIR/tap100i0.pid VM2_PID_FILE=$T_DIR/vnet0.pid
	ip netns exec "$HV" bash "$0" --inner || T_FAIL=$((T_FAIL + 1))
	finish
	exit
fi

env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT --http-bind 0.0.0.0 # the second node calls it over link0
api_bootstrap hypervisor
# Where the hypervisors keep their VMs' names: the Proxmox cluster file
# system (shared by its nodes; qemu-server is the local node's directory)
# and libvirt's running domains.
PVE=$T_DIR/pve LV=$T_DIR/libvirt
mkdir -p "$PVE/nodes/pve1/qemu-server" "$PVE/nodes/pve2/qemu-server" "$PVE/nodes/pve1/lxc" "$LV"
ln -s nodes/pve1/qemu-server "$PVE/qemu-server"
ln -s nodes/pve1/lxc "$PVE/lxc"
# container 200's config, as Proxmox writes it (a snapshot's section after)
printf 'arch: amd64\nhostname: ct-1\nmemory: 512\nnet0: name=eth0,bridge=vmbr0,hwaddr=%s,ip=%s/24,type=veth\nostype: debian\n\n[before]\nhostname: ct-old\n' \
	"${LXC_MAC^^}" "$LXC_IP" >"$PVE/nodes/pve1/lxc/200.conf"
printf 'totem {\n  cluster_name: %s\n  config_version: 2\n}\n' "$CLUSTER" >"$PVE/corosync.conf"
printf 'boot: order=scsi0\nname: web-1\nnet0: virtio=%s,bridge=vmbr0\n\n[pre-upgrade]\nname: web-old\n' \
	"${VM1_MAC^^}" >"$PVE/nodes/pve1/qemu-server/100.conf"
cat >"$LV/db-1.xml" <<XML
<!-- WARNING: THIS IS AN AUTO-GENERATED FILE. -->
<domstatus state='running' reason='booted' pid='1'>
  <monitor path='/var/lib/libvirt/qemu/domain-1-db-1/monitor.sock' type='unix'/>
  <domain type='kvm' id='1'>
    <name>db-1</name>
    <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
    <devices>
      <interface type='bridge'>
        <mac address='$VM2_MAC'/>
        <source bridge='vmbr0'/>
        <target dev='vnet0'/>
      </interface>
    </devices>
  </domain>
</domstatus>
XML
D="$T_DIR/daemon" CTL="ipc://$T_DIR/daemon.ipc"
"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$DKEY" --name pve1 --state-dir "$D" \
	--control-socket "$CTL" --poll-interval 1 --pve-root "$PVE" --libvirt-root "$LV" \
	>>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"
registered() { curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -e 'length == 1' >/dev/null; }
check "the hypervisor's daemon enrols" wait_for 20 registered
DID=$(cat "$D/daemon-id")

# discover TYPE [TARGETS-JSON] [DAEMON]: one discovery, run to completion.
discover() {
	local body="{\"type\":\"$1\"${2:+,\"targets\":$2}${3:+,\"daemon_id\":\"$3\"}}" sid
	sid=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$body" | jq -r .id)
	done_() { curl -sf -H "$A" "$G/api/v1/sessions/$sid" | jq -e '.state == "completed"' >/dev/null; }
	wait_for 60 done_ && wait_for 20 pipeline_drained
}
check "a scan of the bridge's subnet completes" discover network "[\"10.249.$N.0/24\"]"
check "a self-report completes" discover self_report "" "$DID"
vm_rows() { sql "SELECT external_id || ' ' || coalesce(state, '') FROM inv.workloads WHERE network_id = '$NET' AND kind = 'vm' ORDER BY external_id"; }
HYP=$(sql "SELECT id FROM inv.hosts WHERE network_id = '$NET' AND is_daemon")
host_of_mac() { sql "SELECT host_id FROM inv.host_identities WHERE network_id = '$NET' AND kind = 'mac' AND value = '$1'"; }
VM1_HOST=$(host_of_mac "$VM1_MAC") VM2_HOST=$(host_of_mac "$VM2_MAC") CT_HOST=$(host_of_mac "$CT_MAC")
VPN_HOST=$(host_of_mac "$VPN_MAC") LXC_HOST=$(host_of_mac "$LXC_MAC")
echo "  hypervisor $HYP; VM hosts $VM1_HOST $VM2_HOST; container host $CT_HOST; VPN peer $VPN_HOST"
vm_rows | sed 's/^/    /'
check "the scan found both VMs, the containers and the VPN peer by their MACs" \
	sh -c "[ -n '$VM1_HOST' ] && [ -n '$VM2_HOST' ] && [ -n '$CT_HOST' ] && [ -n '$VPN_HOST' ] && [ -n '$LXC_HOST' ]"
K1=vmid:cluster:$CLUSTER:100 K2=vmid:cluster:$CLUSTER:200
check "three guests: VM 100 and container 200 by their ids in the cluster, the libvirt VM by its MAC" \
	test "$(vm_rows | tr '\n' ';')" = "mac:$VM2_MAC running;$K1 running;$K2 running;"
check "the VPN's tap is no VM: its holder is no hypervisor" test "$(sql "SELECT count(*) FROM inv.workloads WHERE network_id = '$NET' AND networks @> '[{\"mac\": \"$VPN_MAC\"}]'")" = 0
check "all three under the hypervisor's host" test "$(sql "SELECT count(*) FROM inv.workloads WHERE network_id = '$NET' AND kind = 'vm' AND parent_host = '$HYP'")" = 3
check "container 200: a guest lxc, its veth, MAC and bridge, named by its config's hostname" test "$(sql "SELECT (labels->>'guest') || ' ' || (networks->0->>'network') || ' ' || (networks->0->>'ifname') || ' ' || (networks->0->>'mac') || ' ' || name || ' ' || (labels->>'evidence' LIKE '%veth%') FROM inv.workloads WHERE network_id = '$NET' AND external_id = '$K2'")" = "lxc vmbr0 veth200i0 $LXC_MAC ct-1 true"
check "VM 100's NIC: its bridge, tap and MAC, its name from its qemu-server config" test "$(sql "SELECT networks->0->>'network' || ' ' || (networks->0->>'ifname') || ' ' || (networks->0->>'mac') || ' ' || name FROM inv.workloads WHERE network_id = '$NET' AND external_id = '$K1'")" = "vmbr0 tap100i0 $VM1_MAC web-1"
check "the libvirt VM named from its domain XML, its holder kept as evidence" test "$(sql "SELECT name || ' ' || (labels->>'holder') FROM inv.workloads WHERE network_id = '$NET' AND external_id = 'mac:$VM2_MAC'")" = "db-1 qemu-system-x86"

# host ID: GET /hosts/{id}, recorded for the OpenAPI check
host() {
	curl -sf -H "$A" "$G/api/v1/hosts/$1" | tee "$T_DIR/body"
	jq -cn --arg p "/api/v1/hosts/$1" --rawfile b "$T_DIR/body" \
		'{method: "GET", path: $p, status: 200, body: $b}' >>"$T_DIR/responses.jsonl"
}
jqf() { jq -e "$@" >/dev/null; }
host "$HYP" >"$T_DIR/hyp.json"
host "$VM1_HOST" >"$T_DIR/vm1.json"
host "$VM2_HOST" >"$T_DIR/vm2.json"
host "$CT_HOST" >"$T_DIR/ct.json"
host "$VPN_HOST" >"$T_DIR/vpn.json"
host "$LXC_HOST" >"$T_DIR/lxc.json"
jq -c '.vms[] | {external_id, name, vmid, cluster, holder, state, host_id, host_name}' "$T_DIR/hyp.json" | sed 's/^/    /'
check "GET /hosts/{hypervisor}: its three guests, each with the host it is" jqf --arg a "$VM1_HOST" --arg b "$VM2_HOST" --arg c "$LXC_HOST" \
	'[.vms[] | .host_id] | sort == ([$a, $b, $c] | sort)' "$T_DIR/hyp.json"
check "container 200 among them: guest lxc, its name, id, cluster and MAC" jqf --arg c "$CLUSTER" --arg m "$LXC_MAC" \
	'[.vms[] | select(.guest == "lxc" and .vmid == 200 and .name == "ct-1" and .cluster == $c and .networks[0].mac == $m and .networks[0].ifname == "veth200i0")] | length == 1' "$T_DIR/hyp.json"
check "the VMs are guests vm" jqf '[.vms[] | select(.guest == "vm")] | length == 2' "$T_DIR/hyp.json"
check "GET /hosts/{container 200}: its node, as a guest lxc" jqf --arg h "$HYP" \
	'.hypervisor.host_id == $h and .hypervisor.vmid == 200 and .hypervisor.guest == "lxc" and .hypervisor.name == "ct-1"' "$T_DIR/lxc.json"
check "VM 100 with its id, name, cluster and holder; db-1 with its name" jqf --arg c "$CLUSTER" \
	'([.vms[] | select(.vmid == 100 and .name == "web-1" and .cluster == $c and .holder == "kvm")] | length == 1) and ([.vms[] | select(.name == "db-1")] | length == 1)' "$T_DIR/hyp.json"
check "the hypervisor is no VM, runs no container" jqf '.hypervisor == null and .containers == []' "$T_DIR/hyp.json"
check "GET /hosts/{VM 100}: its hypervisor and its name there" jqf --arg h "$HYP" '.hypervisor.host_id == $h and .hypervisor.vmid == 100 and .hypervisor.name == "web-1"' "$T_DIR/vm1.json"
check "virtual by its OUI: Proxmox VE" jqf '.virtual == "Proxmox VE"' "$T_DIR/vm1.json"
check "the libvirt VM: its hypervisor, virtual (QEMU/KVM)" jqf --arg h "$HYP" \
	'.hypervisor.host_id == $h and .virtual == "QEMU/KVM"' "$T_DIR/vm2.json"
check "the container is no VM and not virtual" jqf '.hypervisor == null and .virtual == null and .vms == []' "$T_DIR/ct.json"
check "the VPN peer is no VM" jqf '.hypervisor == null and .vms == []' "$T_DIR/vpn.json"
check "VM 100's host has its open port" jqf '[.ports[] | select(.port == 22 and .status == "open")] | length == 1' "$T_DIR/vm1.json"

curl -sf -H "$A" "$G/api/v1/networks/$NET/views/workloads" >"$T_DIR/view.json"
jq -cn --arg p "/api/v1/networks/$NET/views/workloads" --rawfile b "$T_DIR/view.json" \
	'{method: "GET", path: $p, status: 200, body: $b}' >>"$T_DIR/responses.jsonl"
check "hosts and the view as the OpenAPI document says" python3 "$ROOT/tests/integration/openapi_check.py" \
	responses "$ROOT/svc-gateway/api/openapi.json" "$T_DIR/responses.jsonl"
W1=$(sql "SELECT id FROM inv.workloads WHERE network_id = '$NET' AND external_id = '$K1'")
check "workloads view: VM 100 under the hypervisor, by its name" jqf --arg w "c:$W1" --arg h "h:$HYP" \
	'[.nodes[] | select(.id == $w and .kind == "vm" and .parent == $h and .label == "web-1")] | length == 1' "$T_DIR/view.json"
check "and its host under it, marked virtual" jqf --arg w "c:$W1" --arg h "h:$VM1_HOST" \
	'[.nodes[] | select(.id == $h and .parent == $w and .data.virtual == "Proxmox VE")] | length == 1' "$T_DIR/view.json"
check "with a runs edge from the VM to its host" jqf --arg w "c:$W1" --arg h "h:$VM1_HOST" \
	'[.edges[] | select(.source == $w and .target == $h and .kind == "runs")] | length == 1' "$T_DIR/view.json"
W2=$(sql "SELECT id FROM inv.workloads WHERE network_id = '$NET' AND external_id = '$K2'")
check "workloads view: container 200 under its node, by its name, with its MAC" jqf --arg w "c:$W2" --arg h "h:$HYP" --arg m "$LXC_MAC" \
	'[.nodes[] | select(.id == $w and .parent == $h and .label == "ct-1" and .data.labels.guest == "lxc" and .data.networks[0].mac == $m)] | length == 1' "$T_DIR/view.json"
check "and its host under it" jqf --arg w "c:$W2" --arg h "h:$LXC_HOST" \
	'[.nodes[] | select(.id == $h and .parent == $w)] | length == 1' "$T_DIR/view.json"
check "no guest node for the (Docker-like) container on veth-ct" jqf '[.nodes[] | select(.kind == "vm")] | length == 3' "$T_DIR/view.json"

changes() { sql "SELECT count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = 'vm_appeared'"; }
check "each guest appeared once" test "$(changes)" = 3
BEFORE=$(sql "SELECT string_agg(id || external_id || first_seen, ',' ORDER BY id) FROM inv.workloads WHERE network_id = '$NET'")
check "a second self-report completes" discover self_report "" "$DID"
check "it changes no VM (same rows, first seen kept)" test "$(sql "SELECT string_agg(id || external_id || first_seen, ',' ORDER BY id) FROM inv.workloads WHERE network_id = '$NET'")" = "$BEFORE"
check "and logs no second appearance" test "$(changes)" = 3

kill "$(cat "$VM2_PID_FILE")"
gone() { ! ip link show vnet0 >/dev/null 2>&1; }
wait_for 10 gone
check "with the libvirt VM's tap gone, a self-report completes" discover self_report "" "$DID"
check "that VM is stopped, VM 100 still runs" \
	test "$(vm_rows | tr '\n' ';')" = "mac:$VM2_MAC stopped;$K1 running;$K2 running;"

# VM 100 migrates to pve2: its tap goes from this node, its config moves to
# pve2's directory, a tap100i0 of pve2's holds it there.
D2="$T_DIR/daemon2"
ip netns exec "$HV2" "$BIN/scanopy-daemon" run --server-url "http://$LINK1:$GW_PORT" \
	--api-key "$DKEY" --name pve2 --state-dir "$D2" --control-socket "ipc://$T_DIR/daemon2.ipc" \
	--poll-interval 1 --pve-root "$PVE" --libvirt-root "" >>"$T_DIR/scanopy-daemon2.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon2.pid"
two() { curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -e 'length == 2' >/dev/null; }
check "the second node's daemon enrols" wait_for 20 two
DID2=$(cat "$D2/daemon-id")
# Its report at start must be in before VM 100's tap exists on pve2, or that
# report (late on a loaded machine) would already show VM 100 there.
started2() { test "$(sql "SELECT count(*) FROM inv.batches WHERE daemon_id = '$DID2'")" -ge 1; }
check "the second node's report at start is applied" wait_for 30 started2
kill "$(cat "$VM1_PID_FILE")"
gone1() { ! ip link show tap100i0 >/dev/null 2>&1; }
wait_for 10 gone1
check "the old node reports first: a self-report of pve1 completes" discover self_report "" "$DID"
check "VM 100, gone from pve1 and not yet seen elsewhere, is stopped" \
	test "$(sql "SELECT state FROM inv.workloads WHERE network_id = '$NET' AND external_id = '$K1'")" = stopped
# Only now does the tap appear on pve2 (its daemon reports on a new link at
# once, so earlier it could report VM 100 before pve1 said it was gone).
mv "$PVE/nodes/pve1/qemu-server/100.conf" "$PVE/nodes/pve2/qemu-server/100.conf"
ip netns exec "$HV2" python3 "$ROOT/tests/integration/vm_nic.py" tap100i0 "$VM1_MAC" "$VM1_IP" \
	"$T_DIR/moved.ready" kvm >"$T_DIR/moved.log" 2>&1 &
echo $! >"$T_DIR/vm-moved.pid"
wait_for 20 test -s "$T_DIR/moved.ready"
ip -n "$HV2" link set tap100i0 master vmbr0 up
learned2() { ip netns exec "$HV2" bridge fdb show br vmbr0 | grep -q "^$VM1_MAC dev tap100i0 master"; }
check "pve2's bridge learned VM 100's MAC on its tap" wait_for 10 learned2
check "then a self-report of pve2 completes" discover self_report "" "$DID2"
HYP2=$(sql "SELECT id FROM inv.hosts WHERE network_id = '$NET' AND provenance->'is_daemon'->>'daemon' = '$DID2'")
vm_rows | sed 's/^/    /'
check "VM 100 is still one workload, running, moved under pve2's host ($HYP2)" test \
	"$(sql "SELECT count(*) || ' ' || min(state) || ' ' || min(parent_host::text) || ' ' || min(name) FROM inv.workloads WHERE network_id = '$NET' AND kind = 'vm' AND labels->>'vmid' = '100'")" = "1 running $HYP2 web-1"
moved() { sql "SELECT count(*) FILTER (WHERE detail->>'from' = '$HYP' AND detail->>'to' = '$HYP2' AND host_id = '$HYP2') || '/' || count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = 'vm_moved'"; }
check "a vm_moved change from pve1's host to pve2's" test "$(moved)" = 1/1
check "pve1 reports again after pve2: a self-report completes" discover self_report "" "$DID"
check "VM 100 still runs under pve2, moved once" test \
	"$(sql "SELECT state || ' ' || parent_host FROM inv.workloads WHERE network_id = '$NET' AND external_id = '$K1'") $(moved)" = "running $HYP2 1/1"
host "$HYP" >"$T_DIR/hyp.json"
host "$HYP2" >"$T_DIR/hyp2.json"
check "GET /hosts: VM 100 among pve2's VMs, no longer pve1's" jqf --slurpfile o "$T_DIR/hyp.json" \
	'([.vms[] | select(.vmid == 100 and .name == "web-1")] | length == 1) and ([$o[0].vms[] | select(.vmid == 100)] | length == 0)' "$T_DIR/hyp2.json"

# Order: a migration's three reports (node A with VMs 100 and 101; B, later,
# with 100; A, later still, without it), each node's from its own daemon,
# published on the bus as a daemon would, one at a time in each of their six
# orders, a network each: the newest report wins whatever the order.
ORG=$(curl -sf -H "$A" "$G/api/v1/auth/me" | jq -r .org_id)
python3 - "$T_DIR" "$CLUSTER" <<'PY'
import json, sys
d, cluster = sys.argv[1:3]
T = 1700000000000
def node(name, last, vms, t, cts=()):
    # VM 101's holder unread, as by a daemon without the privilege to see it
    nics = [dict({"ifname": "tap%di0" % v, "bridge": "vmbr0", "vmid": v, "port_no": i + 2,
                  "macs": ["bc:24:11:00:%02x:00" % v], "name": "vm-%d" % v},
                 **({"holder": "kvm"} if v == 100 else {}))
            for i, v in enumerate(vms)]
    # a Proxmox container: its veth, no holder, guest lxc
    nics += [{"ifname": "veth%di0" % v, "bridge": "vmbr0", "vmid": v, "port_no": 20 + i,
              "macs": ["bc:24:11:01:%02x:00" % (v % 256)], "name": "ct-%d" % v, "guest": "lxc"}
             for i, v in enumerate(cts)]
    sr = {"hostname": name, "daemon_name": name, "mode": "daemon_poll",
          "interfaces": [{"name": "vmbr0", "index": 2, "mac": "02:00:00:00:00:%02x" % last,
                          "type": "IFTYPE_LAN", "up": True,
                          "addresses": [{"ip": "10.247.0.%d" % last, "prefix_len": 24,
                                         "subnet": "10.247.0.0/24"}]}],
          "vm_nics": nics, "vm_cluster": cluster}
    return [{"observations": [{"observed_at_ms": t, "self_report": sr}]}]
for f, r in (("a1", node("pve-a", 1, [100, 101], T)), ("b1", node("pve-b", 2, [100], T + 4000)),
             ("a2", node("pve-a", 1, [101], T + 5000)),
             ("a3", node("pve-a", 1, [100, 101], T + 6000)),
             ("c1", node("pve-a", 1, [], T, [300])), ("c2", node("pve-b", 2, [], T + 4000, [300]))):
    json.dump(r, open("%s/report-%s.json" % (d, f), "w"))
PY
# in_order "REPORTS" EXPECTED [LOG] [SQL]: the reports published one at a
# time, in a network of their own; its VMs as "vmid state node;...", and its
# change log of VMs (appeared, moved) as "kind vmid [from>]node at daemon/
# sequence;...", the daemon a or b. a1r and b1r are a1 and b1 again, resent
# under a later sequence (a daemon's outbox after a restart, say): the same
# sightings, so the same model and the same log, the first batch's.
in_order() {
	local n=0 r d q state log
	net=$(uuid) da=${DA:-$(uuid)} db=$(uuid)
	[ -z "${4:-}" ] || sql "${4//@NET@/$net}" # a row there before
	for r in $1; do # report, its daemon, its sequence
		case $r in a1 | c1) d=$da q=1 ;; a2) d=$da q=2 ;; a3) d=$da q=3 ;; b1 | c2) d=$db q=1 ;; a1r) d=$da q=11 ;; b1r) d=$db q=11 ;; esac
		"$BIN/obs-publish" --nats-url "$SCANOPY_NATS_URL" --org-id "$ORG" --network-id "$net" \
			--daemon-id "$d" --start $q --json "$T_DIR/report-${r%r}.json"
		n=$((n + 1))
		applied() { [ "$(sql "SELECT count(*) FROM inv.batches WHERE network_id = '$net'")" -ge $n ]; }
		wait_for 30 applied
	done
	state=$(sql "SELECT string_agg((w.labels->>'vmid') || ' ' || w.state || ' ' || h.name, ';' ORDER BY w.external_id) FROM inv.workloads w JOIN inv.hosts h ON h.id = w.parent_host WHERE w.network_id = '$net' AND w.kind = 'vm'")
	log=$(sql "SELECT string_agg(c.kind || ' ' || (c.detail->>'vmid') || ' ' || coalesce((SELECT f.name || '>' FROM inv.hosts f WHERE f.id::text = c.detail->>'from'), '') || h.name || ' ' || extract(epoch FROM c.at)::bigint || ' ' || CASE c.daemon_id::text WHEN '$da' THEN 'a' WHEN '$db' THEN 'b' ELSE '?' END || '/' || c.sequence, ';' ORDER BY c.at, c.kind, c.detail->>'vmid') FROM inv.changes c JOIN inv.hosts h ON h.id = c.host_id WHERE c.network_id = '$net' AND c.kind IN ('vm_appeared', 'vm_moved')")
	check "order ${1// /, }: $2" test "$state" = "$2"
	check "  and its change log: ${3:-$APPEARED}" test "$log" = "${3:-$APPEARED}"
}
T0=1700000000
APPEARED="vm_appeared 100 pve-a $T0 a/1;vm_appeared 101 pve-a $T0 a/1"
MOVED="$APPEARED;vm_moved 100 pve-a>pve-b $((T0 + 4)) b/1"
for order in "a1 b1 a2" "a1 a2 b1" "b1 a1 a2" "b1 a2 a1" "a2 a1 b1" "a2 b1 a1" \
	"b1 a2 a1 a1r b1r" "a1r b1r a2 a1 b1" "b1 a1r a2 b1r a1"; do
	in_order "$order" "100 running pve-b;101 running pve-a" "$MOVED"
done
# VM 100 goes to B and comes back to A (a3: A again, later, with it): two
# moves, in every order, the one back at A's first sighting after B's
for order in "a1 b1 a3" "a1 a3 b1" "b1 a1 a3" "b1 a3 a1" "a3 a1 b1" "a3 b1 a1"; do
	in_order "$order" "100 running pve-a;101 running pve-a" "$MOVED;vm_moved 100 pve-b>pve-a $((T0 + 6)) a/3"
done
# Proxmox container 300 migrated from A to B (c1, then c2 later): one
# workload, guest lxc, moved once, whichever report arrives first
for order in "c1 c2" "c2 c1"; do
	in_order "$order" "300 running pve-b" "vm_appeared 300 pve-a $T0 a/1;vm_moved 300 pve-a>pve-b $((T0 + 4)) b/1"
	check "  container 300 is one guest lxc, named by its config" test \
		"$(sql "SELECT count(*) || ' ' || min(labels->>'guest') || ' ' || min(name) || ' ' || min(external_id) FROM inv.workloads WHERE network_id = '$net'")" = "1 lxc ct-300 vmid:cluster:$CLUSTER:300"
done
# with no second node: A's newer report, without VM 100, wins even when its
# older one, with it, arrives after it
for order in "a1 a2" "a2 a1"; do
	in_order "$order" "100 stopped pve-a;101 running pve-a" "$APPEARED"
done
check "a VM whose tap's holder was not read says so in its evidence" test \
	"$(sql "SELECT (labels->>'holder' IS NULL) || ' ' || (labels->>'evidence' LIKE '%could not read%') FROM inv.workloads WHERE network_id = '$net' AND labels->>'vmid' = '101'")" = "true true"
# A clustered node's VM keyed by its daemon before 0020 takes the cluster key
# on the node's next report, history kept (its id, its first sighting).
DA=$(uuid) OLD=$(uuid)
in_order "a1" "100 running pve-a;101 running pve-a" "$APPEARED" "INSERT INTO inv.workloads (id, org_id, network_id, kind, external_id, state, daemon_id, first_seen, last_seen) VALUES ('$OLD', '$ORG', '@NET@', 'vm', 'vmid:$DA:100', 'running', '$DA', '2020-01-01', '2020-01-01')"
unset DA
check "a VM keyed by its daemon before is re-keyed by its cluster, its row kept" test \
	"$(sql "SELECT external_id || ' ' || first_seen::date FROM inv.workloads WHERE id = '$OLD'")" = "vmid:cluster:$CLUSTER:100 2020-01-01"
finish
