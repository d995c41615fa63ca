/* The typed emitters of sink.h: stamp the time, set the oneof, and hand the
 * observation to sink_emit, whichever sink provides it (the daemon's sink.c or
 * the discovery engine's local sink), so both share these. */
#include "sc_batch.h"
#include "sink.h"

#define SINK_EMITTER(fn, type, member, kind)                                             \
	int fn(struct sink *s, const type *v)                                            \
	{                                                                                \
		Scanopy__V1__Observation o = SCANOPY__V1__OBSERVATION__INIT;             \
		o.observed_at_ms = sc_now_ms();                                          \
		o.has_observed_at_ms = 1;                                                \
		o.kind_case = SCANOPY__V1__OBSERVATION__KIND_##kind;                     \
		o.member = (type *)v;                                                    \
		return sink_emit(s, &o);                                                 \
	}

SINK_EMITTER(sink_host, Scanopy__V1__HostSeen, host, HOST)
SINK_EMITTER(sink_port, Scanopy__V1__PortState, port, PORT)
SINK_EMITTER(sink_banner, Scanopy__V1__Banner, banner, BANNER)
SINK_EMITTER(sink_http, Scanopy__V1__HttpResponse, http, HTTP)
SINK_EMITTER(sink_tls, Scanopy__V1__TlsInfo, tls, TLS)
SINK_EMITTER(sink_udp_reply, Scanopy__V1__UdpReply, udp_reply, UDP_REPLY)
SINK_EMITTER(sink_name, Scanopy__V1__NameRecord, name, NAME)
SINK_EMITTER(sink_progress, Scanopy__V1__ScanProgress, progress, PROGRESS)
SINK_EMITTER(sink_coverage, Scanopy__V1__ScanCoverage, coverage, COVERAGE)
SINK_EMITTER(sink_snmp_system, Scanopy__V1__SnmpSystem, snmp_system, SNMP_SYSTEM)
SINK_EMITTER(sink_if_entry, Scanopy__V1__InterfaceEntry, if_entry, IF_ENTRY)
SINK_EMITTER(sink_neighbor, Scanopy__V1__NeighborEntry, neighbor, NEIGHBOR)
SINK_EMITTER(sink_fdb, Scanopy__V1__FdbEntry, fdb, FDB)
SINK_EMITTER(sink_arp, Scanopy__V1__ArpEntry, arp, ARP)
SINK_EMITTER(sink_container, Scanopy__V1__DockerContainer, container, CONTAINER)
SINK_EMITTER(sink_docker_network, Scanopy__V1__DockerNetwork, docker_network,
             DOCKER_NETWORK)
