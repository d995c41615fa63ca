/* The inventory as the topology service keeps it, read through row-level
 * security: hosts, subnets, interfaces, VLANs, ports, services, links,
 * workloads and applications, each list filtered, sorted and paged on the
 * server by the one list-query builder (listq.h). */
#include "listq.h"
#include "routes.h"

/* GET /api/v1/hosts[?network_id=&q=&stale=&kind=&sort=&limit=&offset=]. */
enum MHD_Result api_hosts_list(struct request *r)
{
	return listq_reply(r, &listq_hosts);
}

enum MHD_Result api_subnets_list(struct request *r)
{
	return listq_reply(r, &listq_subnets);
}

enum MHD_Result api_subnet_get(struct request *r)
{
	return listq_reply_one(r, &listq_subnets);
}

enum MHD_Result api_interfaces_list(struct request *r)
{
	return listq_reply(r, &listq_interfaces);
}

enum MHD_Result api_interface_get(struct request *r)
{
	return listq_reply_one(r, &listq_interfaces);
}

/* GET /api/v1/vlans[?network_id=&vlan=&outer_vlan_id=&q=&sort=&...]. */
enum MHD_Result api_vlans_list(struct request *r)
{
	return listq_reply(r, &listq_vlans);
}

enum MHD_Result api_ports_list(struct request *r)
{
	return listq_reply(r, &listq_ports);
}

enum MHD_Result api_services_list(struct request *r)
{
	return listq_reply(r, &listq_services);
}

enum MHD_Result api_links_list(struct request *r)
{
	return listq_reply(r, &listq_links);
}

enum MHD_Result api_link_get(struct request *r)
{
	return listq_reply_one(r, &listq_links);
}

enum MHD_Result api_workloads_list(struct request *r)
{
	return listq_reply(r, &listq_workloads);
}

enum MHD_Result api_workload_get(struct request *r)
{
	return listq_reply_one(r, &listq_workloads);
}

enum MHD_Result api_applications_list(struct request *r)
{
	return listq_reply(r, &listq_applications);
}

enum MHD_Result api_application_get(struct request *r)
{
	return listq_reply_one(r, &listq_applications);
}
