/*
 * consthttp: the cheapest HTTP/1.1 keep-alive server we can write, answering every request with
 * a constant 2-byte body. Not a baseline the services compete with, but the machine's floor: a
 * benchmark runs it beside the bare Micronaut endpoint to show what latency this machine itself
 * (its scheduler, its loopback) allows at a given rate.
 *
 * usage: consthttp PORT   (127.0.0.1 only; runs until killed)
 * Assumes each read holds whole requests without bodies (GET), as ratedload and wrk send them.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: consthttp PORT\n");
        return 2;
    }
    int one = 1;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(l, (struct sockaddr *) &a, sizeof a) < 0 || listen(l, 128) < 0) {
        perror("consthttp: bind/listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &e);
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
    char buf[16384];
    struct epoll_event evs[64];
    for (;;) {
        int k = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < k; i++) {
            int fd = evs[i].data.fd;
            if (fd == l) {
                int s = accept(l, NULL, NULL);
                if (s < 0) continue;
                setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct epoll_event ce = {.events = EPOLLIN, .data.fd = s};
                epoll_ctl(ep, EPOLL_CTL_ADD, s, &ce);
                continue;
            }
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) {
                close(fd);
                continue;
            }
            /* one answer per request in the bytes read (pipelined requests are possible) */
            for (char *p = buf; (p = memmem(p, (size_t) (buf + n - p), "\r\n\r\n", 4)) != NULL; p += 4) {
                if (write(fd, resp, sizeof resp - 1) < 0) break;
            }
        }
    }
}
