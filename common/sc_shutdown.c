#include "sc_shutdown.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t shutdown_flag;

static void on_signal(int sig)
{
	(void)sig;
	shutdown_flag = 1;
}

void sc_shutdown_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool sc_shutdown_requested(void)
{
	return shutdown_flag != 0;
}

void sc_shutdown_request(void)
{
	shutdown_flag = 1;
}

void sc_shutdown_sleep(long ms)
{
	while (ms > 0 && !shutdown_flag) {
		long step = ms < 50 ? ms : 50;
		struct timespec ts = {0, step * 1000000L};
		nanosleep(&ts, NULL);
		ms -= step;
	}
}
