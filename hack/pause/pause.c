/*
 * dockerpod-pause: the process of a DockerPod's sandbox container.
 *
 * The sandbox exists to own the pod's shared namespaces (network, IPC, UTS and, with
 * shareProcessNamespace, PID), so its process must cost nothing and never exit on its own.
 * It blocks in pause(); as PID 1 of a shared PID namespace it reaps orphaned children so they
 * never pile up as zombies; SIGTERM and SIGINT end it with status 0, so stopping a pod is a
 * clean exit rather than an error.
 *
 * Built static (no libc in the image): hack/test-images.sh compiles it with gcc -static.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#define PAUSE_VERSION "1"
#endif

static void on_stop(int sig) {
	(void)sig;
	_exit(0);
}

static void on_child(int sig) {
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
	errno = saved;
}

static int install(int sig, void (*handler)(int), int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
	if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "version") == 0)) {
		printf("dockerpod-pause %s\n", PAUSE_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s [-v]\n", argv[0]);
		return 2;
	}
	if (getpid() != 1) {
		fprintf(stderr, "pause: not PID 1: orphans of this namespace are reaped by someone else\n");
	}
	if (install(SIGINT, on_stop, 0) || install(SIGTERM, on_stop, 0) || install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART)) {
		perror("pause: sigaction");
		return 1;
	}
	for (;;) {
		pause();
	}
}
