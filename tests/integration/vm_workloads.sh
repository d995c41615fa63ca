#!/usr/bin/env bash
# Virtual machines under their hypervisor, agentlessly, as a Linux hypervisor
# (Proxmox VE, libvirt/KVM) shows them: a namespace of this test's own is the
# hypervisor, with a bridge vmbr0 and two real tap devices on it, each held
# open by a "VM NIC" (vm_nic.py: TUNSETIFF IFF_TAP|IFF_NO_PI, gratuitous ARP
# from the guest's MAC, ARP and TCP SYN answers): tap100i0 (Proxmox naming,
# VM 100, a Proxmox MAC) and vnet0 (libvirt naming, a QEMU MAC). A third
# port, a veth to a "container" namespace, is no VM.
#
# The whole system runs on the hypervisor namespace's loopback; a daemon
# there (daemon_poll) reports itself, with its VM NICs read from sysfs, and
# scans the bridge's subnet through the real pipeline (gateway, NATS,
# fingerprint, topology). Checked: each VM is a workload of kind vm under the
# hypervisor's host, tied to the host the scan found with its MAC, marked
# virtual by its OUI; GET /hosts/{id} shows a hypervisor's VMs and a VM's
# hypervisor; the workloads view nests them; a second report changes
# nothing; a VM whose tap is gone is stopped; the container is neither.
. "$(dirname "$0")/lib.sh"
export VMW_NET=${VMW_NET:-$((200 + $$ % 50))} # the outer part's, kept by the inner
N=$VMW_NET
export HV_IP=10.249.$N.1 VM1_IP=10.249.$N.10 VM2_IP=10.249.$N.11 CT_IP=10.249.$N.12
export VM1_MAC=bc:24:11:00:01:00 VM2_MAC=52:54:00:00:02:00 CT_MAC=02:42:ac:11:00:0c

if [ "${1:-}" != --inner ]; then
	HV=hv$$ CT=ct$$
	NS_PAIR="$HV $CT"
	trap 'rc=$?; netns_pair_down; set +e; (exit $rc); env_down' EXIT
	ip netns add "$HV" && ip netns add "$CT"
	hv() { ip -n "$HV" "$@"; }
	hv link set lo up
	hv link add vmbr0 type bridge
	hv addr add "$HV_IP/24" dev vmbr0
	hv link set vmbr0 up
	vm() { # IFNAME MAC IP: a VM NIC on vmbr0
		ip netns exec "$HV" python3 "$ROOT/tests/integration/vm_nic.py" "$1" "$2" "$3" \
			"$T_DIR/$1.ready" >"$T_DIR/$1.log" 2>&1 &
		echo $! >>"$T_DIR/peer.pids"
		echo $! >"$T_DIR/$1.pid"
		wait_for 20 test -s "$T_DIR/$1.ready"
		hv link set "$1" master vmbr0 up
	}
	vm tap100i0 "$VM1_MAC" "$VM1_IP"
	vm vnet0 "$VM2_MAC" "$VM2_IP"
	# the container: a veth port, its other end in a namespace of its own
	hv link add veth-ct type veth peer name eth0 netns "$CT"
	hv link set veth-ct master vmbr0 up
	ip -n "$CT" link set lo up
	ip -n "$CT" link set eth0 address "$CT_MAC" up
	ip -n "$CT" addr add "$CT_IP/24" dev eth0
	ip netns exec "$CT" ping -c1 -W1 "$HV_IP" >/dev/null || true
	learned() { ip netns exec "$HV" bridge fdb show br vmbr0 | grep -q "^$1 dev $2 master"; }
	check "the bridge learned VM 100's MAC on its tap" wait_for 10 learned "$VM1_MAC" tap100i0
	check "and the libvirt VM's on vnet0" wait_for 10 learned "$VM2_MAC" vnet0
	check "and the container's on its veth" wait_for 10 learned "$CT_MAC" veth-ct
	# the VM NIC kill switch for the inner part: the second VM's pid
	export VM2_PID_FILE=$T_DIR/vnet0.pid
	ip netns exec "$HV" bash "$0" --inner || T_FAIL=$((T_FAIL + 1))
	finish
	exit
fi

env_up
svc_start scanopy-topology $TOPO_PORT
svc_start scanopy-fingerprint $FP_PORT
svc_start scanopy-scheduler $SCHED_PORT
svc_start scanopy-gateway $GW_PORT
api_bootstrap hypervisor
D="$T_DIR/daemon" CTL="ipc://$T_DIR/daemon.ipc"
"$BIN/scanopy-daemon" run --server-url "$G" --api-key "$DKEY" --name pve1 --state-dir "$D" \
	--control-socket "$CTL" --poll-interval 1 >>"$T_DIR/scanopy-daemon.log" 2>&1 &
echo $! >"$T_DIR/scanopy-daemon.pid"
registered() { curl -sf -H "$A" "$G/api/v1/daemons?network_id=$NET" | jq -e 'length == 1' >/dev/null; }
check "the hypervisor's daemon enrols" wait_for 20 registered
DID=$(cat "$D/daemon-id")

# discover TYPE [TARGETS-JSON]: one discovery, run to completion.
discover() {
	local body="{\"type\":\"$1\"${2:+,\"targets\":$2}}" sid
	sid=$(curl -sf -XPOST -H "$A" -H "$J" "$G/api/v1/networks/$NET/discoveries" -d "$body" | jq -r .id)
	done_() { curl -sf -H "$A" "$G/api/v1/sessions/$sid" | jq -e '.state == "completed"' >/dev/null; }
	wait_for 60 done_ && wait_for 20 pipeline_drained
}
check "a scan of the bridge's subnet completes" discover network "[\"10.249.$N.0/24\"]"
check "a self-report completes" discover self_report
vm_rows() { sql "SELECT external_id || ' ' || coalesce(state, '') FROM inv.workloads WHERE network_id = '$NET' AND kind = 'vm' ORDER BY external_id"; }
HYP=$(sql "SELECT id FROM inv.hosts WHERE network_id = '$NET' AND is_daemon")
host_of_mac() { sql "SELECT host_id FROM inv.host_identities WHERE network_id = '$NET' AND kind = 'mac' AND value = '$1'"; }
VM1_HOST=$(host_of_mac "$VM1_MAC") VM2_HOST=$(host_of_mac "$VM2_MAC") CT_HOST=$(host_of_mac "$CT_MAC")
echo "  hypervisor $HYP; VM hosts $VM1_HOST $VM2_HOST; container host $CT_HOST"
vm_rows | sed 's/^/    /'
check "the scan found both VMs and the container by their MACs" \
	sh -c "[ -n '$VM1_HOST' ] && [ -n '$VM2_HOST' ] && [ -n '$CT_HOST' ]"
check "two VM workloads: VM 100 by its id on this daemon, the libvirt one by its MAC" \
	test "$(vm_rows | tr '\n' ';')" = "mac:$VM2_MAC running;vmid:$DID:100 running;"
check "both under the hypervisor's host" test "$(sql "SELECT count(*) FROM inv.workloads WHERE network_id = '$NET' AND kind = 'vm' AND parent_host = '$HYP'")" = 2
check "VM 100's NIC: its bridge, tap and MAC" test "$(sql "SELECT networks->0->>'network' || ' ' || (networks->0->>'ifname') || ' ' || (networks->0->>'mac') || ' ' || name FROM inv.workloads WHERE network_id = '$NET' AND external_id = 'vmid:$DID:100'")" = "vmbr0 tap100i0 $VM1_MAC VM 100"

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
jq -c '.vms[] | {external_id, vmid, state, host_id, host_name}' "$T_DIR/hyp.json" | sed 's/^/    /'
check "GET /hosts/{hypervisor}: its two VMs, each with the host it is" jqf --arg a "$VM1_HOST" --arg b "$VM2_HOST" \
	'[.vms[] | .host_id] | sort == ([$a, $b] | sort)' "$T_DIR/hyp.json"
check "VM 100 with its id" jqf '[.vms[] | select(.vmid == 100)] | length == 1' "$T_DIR/hyp.json"
check "the hypervisor is no VM, runs no container" jqf '.hypervisor == null and .containers == []' "$T_DIR/hyp.json"
check "GET /hosts/{VM 100}: its hypervisor" jqf --arg h "$HYP" '.hypervisor.host_id == $h and .hypervisor.vmid == 100' "$T_DIR/vm1.json"
check "virtual by its OUI: Proxmox VE" jqf '.virtual == "Proxmox VE"' "$T_DIR/vm1.json"
check "the libvirt VM: its hypervisor, virtual (QEMU/KVM)" jqf --arg h "$HYP" \
	'.hypervisor.host_id == $h and .virtual == "QEMU/KVM"' "$T_DIR/vm2.json"
check "the container is no VM and not virtual" jqf '.hypervisor == null and .virtual == null and .vms == []' "$T_DIR/ct.json"
check "VM 100's host has its open port" jqf '[.ports[] | select(.port == 22 and .status == "open")] | length == 1' "$T_DIR/vm1.json"

curl -sf -H "$A" "$G/api/v1/networks/$NET/views/workloads" >"$T_DIR/view.json"
jq -cn --arg p "/api/v1/networks/$NET/views/workloads" --rawfile b "$T_DIR/view.json" \
	'{method: "GET", path: $p, status: 200, body: $b}' >>"$T_DIR/responses.jsonl"
check "hosts and the view as the OpenAPI document says" python3 "$ROOT/tests/integration/openapi_check.py" \
	responses "$ROOT/svc-gateway/api/openapi.json" "$T_DIR/responses.jsonl"
W1=$(sql "SELECT id FROM inv.workloads WHERE network_id = '$NET' AND external_id = 'vmid:$DID:100'")
check "workloads view: VM 100 under the hypervisor" jqf --arg w "c:$W1" --arg h "h:$HYP" \
	'[.nodes[] | select(.id == $w and .kind == "vm" and .parent == $h)] | length == 1' "$T_DIR/view.json"
check "and its host under it, marked virtual" jqf --arg w "c:$W1" --arg h "h:$VM1_HOST" \
	'[.nodes[] | select(.id == $h and .parent == $w and .data.virtual == "Proxmox VE")] | length == 1' "$T_DIR/view.json"
check "with a runs edge from the VM to its host" jqf --arg w "c:$W1" --arg h "h:$VM1_HOST" \
	'[.edges[] | select(.source == $w and .target == $h and .kind == "runs")] | length == 1' "$T_DIR/view.json"
check "no VM node for the container" jqf '[.nodes[] | select(.kind == "vm")] | length == 2' "$T_DIR/view.json"

changes() { sql "SELECT count(*) FROM inv.changes WHERE network_id = '$NET' AND kind = 'vm_appeared'"; }
check "each VM appeared once" test "$(changes)" = 2
BEFORE=$(sql "SELECT string_agg(id || external_id || first_seen, ',' ORDER BY id) FROM inv.workloads WHERE network_id = '$NET'")
check "a second self-report completes" discover self_report
check "it changes no VM (same rows, first seen kept)" test "$(sql "SELECT string_agg(id || external_id || first_seen, ',' ORDER BY id) FROM inv.workloads WHERE network_id = '$NET'")" = "$BEFORE"
check "and logs no second appearance" test "$(changes)" = 2

kill "$(cat "$VM2_PID_FILE")"
gone() { ! ip link show vnet0 >/dev/null 2>&1; }
wait_for 10 gone
check "with the libvirt VM's tap gone, a self-report completes" discover self_report
check "that VM is stopped, VM 100 still runs" \
	test "$(vm_rows | tr '\n' ';')" = "mac:$VM2_MAC stopped;vmid:$DID:100 running;"
finish
