/* The route table: method, path pattern ("{}" stands for one UUID segment),
 * who may call it, and the handler. */
#ifndef GATEWAY_ROUTES_H
#define GATEWAY_ROUTES_H

#include "request.h"

enum access {
	ACCESS_PUBLIC,     /* anyone (setup, login, health) */
	ACCESS_VIEWER,     /* any signed-in user or user key of the organisation */
	ACCESS_MEMBER,     /* members and above: may start discoveries, edit */
	ACCESS_ADMIN,      /* admins and owners: networks, keys, daemons */
	ACCESS_DAEMON_KEY, /* a daemon key of the network */
};

typedef enum MHD_Result (*route_fn)(struct request *r);

struct route {
	const char *method;
	const char *pattern;
	enum access access;
	route_fn fn;
};

/* Finds the route for method and url, filling r->param; sets *path_known when
 * some route has this path (so the caller can tell 405 from 404). */
const struct route *route_find(struct request *r, bool *path_known);

/* Prints "METHOD PATTERN" per route, for the test that holds the OpenAPI
 * document to what is served. */
void routes_print(void);

/* Handlers, one file per resource. */
enum MHD_Result api_setup(struct request *r);
enum MHD_Result api_login(struct request *r);
enum MHD_Result api_logout(struct request *r);
enum MHD_Result api_me(struct request *r);
enum MHD_Result api_keys_create(struct request *r);
enum MHD_Result api_networks_list(struct request *r);
enum MHD_Result api_networks_create(struct request *r);
enum MHD_Result api_daemon_keys_create(struct request *r);
enum MHD_Result api_daemons_list(struct request *r);
enum MHD_Result api_daemon_register(struct request *r);
enum MHD_Result api_daemon_heartbeat(struct request *r);
enum MHD_Result api_daemon_batches(struct request *r);
enum MHD_Result api_hosts_list(struct request *r);
enum MHD_Result api_subnets_list(struct request *r);
enum MHD_Result api_subnet_get(struct request *r);
enum MHD_Result api_interfaces_list(struct request *r);
enum MHD_Result api_vlans_list(struct request *r);
enum MHD_Result api_interface_get(struct request *r);
enum MHD_Result api_ports_list(struct request *r);
enum MHD_Result api_services_list(struct request *r);
enum MHD_Result api_links_list(struct request *r);
enum MHD_Result api_link_get(struct request *r);
enum MHD_Result api_workloads_list(struct request *r);
enum MHD_Result api_workload_get(struct request *r);
enum MHD_Result api_applications_list(struct request *r);
enum MHD_Result api_application_get(struct request *r);
enum MHD_Result api_applications_create(struct request *r);
enum MHD_Result api_application_patch(struct request *r);
enum MHD_Result api_application_delete(struct request *r);
enum MHD_Result api_application_members_add(struct request *r);
enum MHD_Result api_application_member_delete(struct request *r);
enum MHD_Result api_application_dependencies_add(struct request *r);
enum MHD_Result api_application_dependency_delete(struct request *r);
enum MHD_Result api_export_inventory_json(struct request *r);
enum MHD_Result api_export_netbox_json(struct request *r);
enum MHD_Result api_export_resource_csv(struct request *r);
enum MHD_Result api_definitions_list(struct request *r);
enum MHD_Result api_definitions_create(struct request *r);
enum MHD_Result api_definition_get(struct request *r);
enum MHD_Result api_definition_put(struct request *r);
enum MHD_Result api_definition_delete(struct request *r);
enum MHD_Result api_host_get(struct request *r);
enum MHD_Result api_host_patch(struct request *r);
enum MHD_Result api_host_merge(struct request *r);
enum MHD_Result api_host_split(struct request *r);
enum MHD_Result api_changes_list(struct request *r);
enum MHD_Result api_view_l2(struct request *r);
enum MHD_Result api_org_view_l2(struct request *r);
enum MHD_Result api_org_view_l3(struct request *r);
enum MHD_Result api_org_view_workloads(struct request *r);
enum MHD_Result api_org_view_applications(struct request *r);
enum MHD_Result api_view_l3(struct request *r);
enum MHD_Result api_view_workloads(struct request *r);
enum MHD_Result api_view_applications(struct request *r);
enum MHD_Result api_probe_plan(struct request *r);
enum MHD_Result api_export_hosts_csv(struct request *r);
enum MHD_Result api_events(struct request *r);
enum MHD_Result api_keys_list(struct request *r);
enum MHD_Result api_keys_revoke(struct request *r);
enum MHD_Result api_users_list(struct request *r);
enum MHD_Result api_users_create(struct request *r);
enum MHD_Result api_users_update(struct request *r);
enum MHD_Result api_users_delete(struct request *r);
enum MHD_Result api_discoveries_create(struct request *r);
enum MHD_Result api_session_get(struct request *r);
enum MHD_Result api_session_progress(struct request *r);
enum MHD_Result api_snmp_credentials_create(struct request *r);
enum MHD_Result api_snmp_credentials_list(struct request *r);
enum MHD_Result api_snmp_credentials_delete(struct request *r);
/* The network's SNMP credentials with their secrets, for a daemon's job. */
json_t *snmp_credentials_json(struct request *r, const char *network_id);
enum MHD_Result api_server_daemons_create(struct request *r);
enum MHD_Result api_daemon_call_key(struct request *r);
enum MHD_Result api_sessions_list(struct request *r);
enum MHD_Result api_session_cancel(struct request *r);
enum MHD_Result api_schedules_list(struct request *r);
enum MHD_Result api_schedules_create(struct request *r);
enum MHD_Result api_schedule_get(struct request *r);
enum MHD_Result api_schedule_patch(struct request *r);
enum MHD_Result api_schedule_delete(struct request *r);
enum MHD_Result api_schedule_run(struct request *r);
enum MHD_Result api_switch(struct request *r);
enum MHD_Result api_orgs_list(struct request *r);
enum MHD_Result api_orgs_create(struct request *r);
enum MHD_Result api_orgs_patch(struct request *r);
enum MHD_Result api_orgs_delete(struct request *r);
enum MHD_Result api_access_list(struct request *r);
enum MHD_Result api_access_grant(struct request *r);
enum MHD_Result api_access_revoke(struct request *r);

#endif
