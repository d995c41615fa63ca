#!/usr/bin/env bash
# Two scheduler replicas over 1,000 schedules and an hour of simulated time
# fire each schedule exactly once, at its time. Both run with --test-clock
# (test only): "now" is the row in sched.test_clock, which this script moves
# forward 30 s at a time, each step only once every schedule due by then has
# fired. The hour, 2030-03-31 00:30-01:30 UTC, holds Europe/Berlin's spring
# forward (02:00 CET -> 03:00 CEST at 01:00 UTC).
#   400 cron "M * * * *" UTC (M = 0..59)     fire at minute M
#   200 cron "30 2 * * *" Europe/Berlin      02:30 does not exist that day:
#                                            fire once, at 01:00 UTC
#   200 cron "45 20 * * *" America/New_York  20:45 EDT = 00:45 UTC
#   200 interval 3600 s                      fire at the end of the hour
. "$(dirname "$0")/lib.sh"
env_up
svc_start scanopy-scheduler $SCHED_PORT --tick-ms 50 --test-clock
svc_start scanopy-scheduler $SCHED2_PORT --tick-ms 50 --test-clock
T0="2030-03-31 00:30:00+00"
sql "INSERT INTO sched.test_clock VALUES (1, '$T0')" >/dev/null
sql "INSERT INTO sched.schedules (org_id, network_id, daemon_id, name, discovery_type, cron, interval_seconds, time_zone, dispatch, next_run_at)
     SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), k || ':' || i, 'self_report',
            CASE k WHEN 'utc' THEN (i % 60) || ' * * * *' WHEN 'berlin' THEN '30 2 * * *' WHEN 'ny' THEN '45 20 * * *' END,
            CASE k WHEN 'interval' THEN 3600 END,
            CASE k WHEN 'berlin' THEN 'Europe/Berlin' WHEN 'ny' THEN 'America/New_York' ELSE 'UTC' END, 'poll', '$T0'
     FROM (SELECT 'utc' k, generate_series(1, 400) i UNION ALL SELECT 'berlin', generate_series(1, 200)
           UNION ALL SELECT 'ny', generate_series(1, 200) UNION ALL SELECT 'interval', generate_series(1, 200)) x" >/dev/null
due() { sql "SELECT count(*) FROM sched.schedules WHERE next_run_at <= (SELECT now FROM sched.test_clock)"; }
settled() { [ "$(due)" -eq 0 ]; }
check "at T0, all 1,000 (due at T0) fire once" wait_for 30 settled
START=$(date +%s)
# One psql session steps the clock: a procedure commits each step, then
# waits until no schedule due by then is left unfired.
sql "CREATE PROCEDURE pg_temp_advance(steps int, secs int) LANGUAGE plpgsql AS \$\$
     BEGIN
       FOR k IN 1..steps LOOP
         UPDATE sched.test_clock SET now = now + make_interval(secs => secs);
         COMMIT;
         FOR i IN 1..1500 LOOP
           EXIT WHEN NOT EXISTS (SELECT 1 FROM sched.schedules WHERE next_run_at <= (SELECT now FROM sched.test_clock));
           PERFORM pg_sleep(0.02);
         END LOOP;
       END LOOP;
     END \$\$" >/dev/null
sql "CALL pg_temp_advance(120, 30)" >/dev/null
sql "DROP PROCEDURE pg_temp_advance" >/dev/null
echo "     an hour of simulated time in $(($(date +%s) - START)) s"
inhour="s.created_at > '$T0' AND s.created_at <= '$T0'::timestamptz + interval '1 hour'"
check "1,000 sessions in the hour" test "$(sql "SELECT count(*) FROM sched.sessions s WHERE $inhour")" -eq 1000
check "each schedule exactly once" test "$(sql "SELECT count(*) FROM sched.schedules c WHERE (SELECT count(*) FROM sched.sessions s WHERE s.schedule_id = c.id AND $inhour) <> 1")" -eq 0
check "no schedule fired twice at any time" test "$(sql "SELECT count(*) FROM (SELECT schedule_id, created_at FROM sched.sessions GROUP BY 1, 2 HAVING count(*) > 1) x")" -eq 0
at() { sql "SELECT string_agg(DISTINCT to_char(s.created_at AT TIME ZONE 'UTC', 'HH24:MI'), ',') FROM sched.sessions s JOIN sched.schedules c ON c.id = s.schedule_id WHERE c.name LIKE '$1:%' AND $inhour"; }
check "Berlin's 02:30 on the spring-forward day fired at the jump (01:00 UTC)" test "$(at berlin)" = "01:00"
check "New York's 20:45 EDT fired at 00:45 UTC" test "$(at ny)" = "00:45"
check "the intervals fired an hour after T0" test "$(at interval)" = "01:30"
check "each UTC cron at its minute" test "$(sql "SELECT count(*) FROM sched.sessions s JOIN sched.schedules c ON c.id = s.schedule_id WHERE c.name LIKE 'utc:%' AND $inhour AND extract(minute FROM s.created_at AT TIME ZONE 'UTC') = split_part(c.cron, ' ', 1)::int")" -eq 400
check "the Berlin schedules' next run is 02:30 CEST the next day" test \
	"$(sql "SELECT string_agg(DISTINCT to_char(next_run_at AT TIME ZONE 'Europe/Berlin', 'MM-DD HH24:MI'), ',') FROM sched.schedules WHERE name LIKE 'berlin:%'")" = "04-01 02:30"
check "both replicas fired some" sh -c "[ \$(curl -sf http://127.0.0.1:$SCHED_PORT/metrics | awk '\$1==\"scanopy_scheduler_sessions_created_total\"{print \$2}') -gt 0 ] && [ \$(curl -sf http://127.0.0.1:$SCHED2_PORT/metrics | awk '\$1==\"scanopy_scheduler_sessions_created_total\"{print \$2}') -gt 0 ]"
finish
