#include "routes.h"

#include <stdio.h>
#include <string.h>

static const struct route routes[] = {
    {"POST", "/api/v1/setup", ACCESS_PUBLIC, api_setup},
    {"POST", "/api/v1/auth/login", ACCESS_PUBLIC, api_login},
    {"POST", "/api/v1/auth/logout", ACCESS_VIEWER, api_logout},
    {"GET", "/api/v1/auth/me", ACCESS_VIEWER, api_me},
    {"POST", "/api/v1/auth/switch", ACCESS_VIEWER, api_switch},
    {"GET", "/api/v1/organizations", ACCESS_VIEWER, api_orgs_list},
    {"POST", "/api/v1/organizations", ACCESS_ADMIN, api_orgs_create},
    {"PATCH", "/api/v1/organizations/{}", ACCESS_VIEWER, api_orgs_patch},
    {"DELETE", "/api/v1/organizations/{}", ACCESS_VIEWER, api_orgs_delete},
    {"POST", "/api/v1/api-keys", ACCESS_VIEWER, api_keys_create},
    {"GET", "/api/v1/api-keys", ACCESS_VIEWER, api_keys_list},
    {"DELETE", "/api/v1/api-keys/{}", ACCESS_VIEWER, api_keys_revoke},
    {"GET", "/api/v1/users", ACCESS_VIEWER, api_users_list},
    {"POST", "/api/v1/users", ACCESS_ADMIN, api_users_create},
    {"PATCH", "/api/v1/users/{}", ACCESS_ADMIN, api_users_update},
    {"DELETE", "/api/v1/users/{}", ACCESS_ADMIN, api_users_delete},
    {"GET", "/api/v1/networks", ACCESS_VIEWER, api_networks_list},
    {"POST", "/api/v1/networks", ACCESS_ADMIN, api_networks_create},
    {"POST", "/api/v1/networks/{}/daemon-keys", ACCESS_ADMIN, api_daemon_keys_create},
    {"GET", "/api/v1/daemons", ACCESS_VIEWER, api_daemons_list},
    {"POST", "/api/v1/networks/{}/server-daemons", ACCESS_ADMIN,
     api_server_daemons_create},
    {"POST", "/api/v1/daemons/{}/call-key", ACCESS_ADMIN, api_daemon_call_key},
    {"POST", "/api/v1/daemons/register", ACCESS_DAEMON_KEY, api_daemon_register},
    {"POST", "/api/v1/daemons/{}/heartbeat", ACCESS_DAEMON_KEY, api_daemon_heartbeat},
    {"POST", "/api/v1/daemons/{}/batches", ACCESS_DAEMON_KEY, api_daemon_batches},
    {"GET", "/api/v1/probe-plan", ACCESS_DAEMON_KEY, api_probe_plan},
    {"GET", "/api/v1/hosts", ACCESS_VIEWER, api_hosts_list},
    {"GET", "/api/v1/networks/{}/exports/hosts.csv", ACCESS_VIEWER, api_export_hosts_csv},
    {"GET", "/api/v1/hosts/{}", ACCESS_VIEWER, api_host_get},
    {"PATCH", "/api/v1/hosts/{}", ACCESS_MEMBER, api_host_patch},
    {"POST", "/api/v1/hosts/{}/merge", ACCESS_MEMBER, api_host_merge},
    {"POST", "/api/v1/hosts/{}/split", ACCESS_MEMBER, api_host_split},
    {"GET", "/api/v1/networks/{}/changes", ACCESS_VIEWER, api_changes_list},
    {"GET", "/api/v1/networks/{}/views/l2", ACCESS_VIEWER, api_view_l2},
    {"GET", "/api/v1/networks/{}/views/l3", ACCESS_VIEWER, api_view_l3},
    {"GET", "/api/v1/networks/{}/views/workloads", ACCESS_VIEWER, api_view_workloads},
    {"GET", "/api/v1/networks/{}/views/applications", ACCESS_VIEWER,
     api_view_applications},
    {"GET", "/api/v1/views/l2", ACCESS_VIEWER, api_org_view_l2},
    {"GET", "/api/v1/views/l3", ACCESS_VIEWER, api_org_view_l3},
    {"GET", "/api/v1/views/workloads", ACCESS_VIEWER, api_org_view_workloads},
    {"GET", "/api/v1/views/applications", ACCESS_VIEWER, api_org_view_applications},
    {"POST", "/api/v1/networks/{}/discoveries", ACCESS_MEMBER, api_discoveries_create},
    {"GET", "/api/v1/sessions", ACCESS_VIEWER, api_sessions_list},
    {"GET", "/api/v1/sessions/{}", ACCESS_VIEWER, api_session_get},
    {"POST", "/api/v1/sessions/{}/cancel", ACCESS_MEMBER, api_session_cancel},
    {"GET", "/api/v1/schedules", ACCESS_VIEWER, api_schedules_list},
    {"POST", "/api/v1/schedules", ACCESS_MEMBER, api_schedules_create},
    {"GET", "/api/v1/schedules/{}", ACCESS_VIEWER, api_schedule_get},
    {"PATCH", "/api/v1/schedules/{}", ACCESS_MEMBER, api_schedule_patch},
    {"DELETE", "/api/v1/schedules/{}", ACCESS_MEMBER, api_schedule_delete},
    {"POST", "/api/v1/schedules/{}/run", ACCESS_MEMBER, api_schedule_run},
    {"GET", "/api/v1/events", ACCESS_VIEWER, api_events},
    {"POST", "/api/v1/daemons/{}/sessions/{}/progress", ACCESS_DAEMON_KEY,
     api_session_progress},
    {"POST", "/api/v1/networks/{}/snmp-credentials", ACCESS_ADMIN,
     api_snmp_credentials_create},
    {"GET", "/api/v1/networks/{}/snmp-credentials", ACCESS_MEMBER,
     api_snmp_credentials_list},
    {"DELETE", "/api/v1/networks/{}/snmp-credentials/{}", ACCESS_ADMIN,
     api_snmp_credentials_delete},
    {"GET", "/api/v1/networks/{}/access", ACCESS_ADMIN, api_access_list},
    {"PUT", "/api/v1/networks/{}/access/{}", ACCESS_ADMIN, api_access_grant},
    {"DELETE", "/api/v1/networks/{}/access/{}", ACCESS_ADMIN, api_access_revoke},
    {"GET", "/api/v1/definitions", ACCESS_VIEWER, api_definitions_list},
    {"POST", "/api/v1/definitions", ACCESS_ADMIN, api_definitions_create},
    {"GET", "/api/v1/definitions/{}", ACCESS_VIEWER, api_definition_get},
    {"PUT", "/api/v1/definitions/{}", ACCESS_ADMIN, api_definition_put},
    {"DELETE", "/api/v1/definitions/{}", ACCESS_ADMIN, api_definition_delete},
    {"GET", "/api/v1/subnets", ACCESS_VIEWER, api_subnets_list},
    {"GET", "/api/v1/subnets/{}", ACCESS_VIEWER, api_subnet_get},
    {"GET", "/api/v1/interfaces", ACCESS_VIEWER, api_interfaces_list},
    {"GET", "/api/v1/interfaces/{}", ACCESS_VIEWER, api_interface_get},
    {"GET", "/api/v1/vlans", ACCESS_VIEWER, api_vlans_list},
    {"GET", "/api/v1/ports", ACCESS_VIEWER, api_ports_list},
    {"GET", "/api/v1/services", ACCESS_VIEWER, api_services_list},
    {"GET", "/api/v1/links", ACCESS_VIEWER, api_links_list},
    {"GET", "/api/v1/links/{}", ACCESS_VIEWER, api_link_get},
    {"GET", "/api/v1/workloads", ACCESS_VIEWER, api_workloads_list},
    {"GET", "/api/v1/workloads/{}", ACCESS_VIEWER, api_workload_get},
    {"GET", "/api/v1/applications", ACCESS_VIEWER, api_applications_list},
    {"GET", "/api/v1/applications/{}", ACCESS_VIEWER, api_application_get},
    {"POST", "/api/v1/applications", ACCESS_MEMBER, api_applications_create},
    {"PATCH", "/api/v1/applications/{}", ACCESS_MEMBER, api_application_patch},
    {"DELETE", "/api/v1/applications/{}", ACCESS_MEMBER, api_application_delete},
    {"POST", "/api/v1/applications/{}/members", ACCESS_MEMBER,
     api_application_members_add},
    {"DELETE", "/api/v1/applications/{}/members/{}", ACCESS_MEMBER,
     api_application_member_delete},
    {"POST", "/api/v1/applications/{}/dependencies", ACCESS_MEMBER,
     api_application_dependencies_add},
    {"DELETE", "/api/v1/applications/{}/dependencies/{}", ACCESS_MEMBER,
     api_application_dependency_delete},
    {"GET", "/api/v1/networks/{}/exports/inventory.json", ACCESS_VIEWER,
     api_export_inventory_json},
    {"GET", "/api/v1/networks/{}/exports/netbox.json", ACCESS_VIEWER,
     api_export_netbox_json},
    {"GET", "/api/v1/networks/{}/exports/subnets.csv", ACCESS_VIEWER,
     api_export_resource_csv},
    {"GET", "/api/v1/networks/{}/exports/interfaces.csv", ACCESS_VIEWER,
     api_export_resource_csv},
    {"GET", "/api/v1/networks/{}/exports/ports.csv", ACCESS_VIEWER,
     api_export_resource_csv},
    {"GET", "/api/v1/networks/{}/exports/services.csv", ACCESS_VIEWER,
     api_export_resource_csv},
    {"GET", "/api/v1/networks/{}/exports/links.csv", ACCESS_VIEWER,
     api_export_resource_csv},
    {"GET", "/api/v1/networks/{}/exports/workloads.csv", ACCESS_VIEWER,
     api_export_resource_csv},
    {"GET", "/api/v1/networks/{}/exports/applications.csv", ACCESS_VIEWER,
     api_export_resource_csv},
};

/* Matches url against pattern segment by segment; "{}" takes a UUID. */
static bool match(struct request *r, const char *pattern, const char *url)
{
	size_t np = 0;
	snprintf(r->path, sizeof r->path, "%s", url);
	char *save_u = NULL, *save_p = NULL;
	char pat[128];
	snprintf(pat, sizeof pat, "%s", pattern);
	char *u = strtok_r(r->path, "/", &save_u);
	char *p = strtok_r(pat, "/", &save_p);
	for (; u && p;
	     u = strtok_r(NULL, "/", &save_u), p = strtok_r(NULL, "/", &save_p)) {
		if (!strcmp(p, "{}")) {
			if (!is_uuid(u) || np == REQUEST_MAX_PARAMS)
				return false;
			r->param[np++] = u;
		} else if (strcmp(p, u)) {
			return false;
		}
	}
	return !u && !p;
}

const struct route *route_find(struct request *r, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (!match(r, routes[i].pattern, r->url))
			continue;
		*path_known = true;
		if (!strcmp(routes[i].method, r->method) ||
		    (!strcmp(r->method, "HEAD") && !strcmp(routes[i].method, "GET")))
			return &routes[i];
	}
	return NULL;
}

void routes_print(void)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		printf("%s %s\n", routes[i].method, routes[i].pattern);
}
