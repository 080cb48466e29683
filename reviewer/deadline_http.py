"""HTTP requests with one deadline for the whole exchange, for `pull` and publishing.

urllib's timeout bounds each socket operation, so an agent's server that drips its answer a
byte at a time never trips it; these handlers register each connection with a Deadline that
shuts the sockets down when the time is up.
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.request
from typing import Any


class Deadline:
    """The connections of one request, cut at its deadline: a server that drips its status
    line or headers a byte at a time beats every socket timeout, and `pull --timeout 5`
    waited for ever. A response that will close takes the socket from its connection, out
    of reach here, so whoever reads the body keeps a deadline of its own for it."""

    def __init__(self, timeout: float) -> None:
        self.conns: list[http.client.HTTPConnection] = []
        self.expired = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(timeout, self.cut)
        self.timer.daemon = True

    def connection(self, cls: type[http.client.HTTPConnection]) -> Any:
        """A connection factory for urllib that registers what it makes."""

        def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            conn = cls(host, **kwargs)
            with self.lock:
                if self.expired:
                    raise TimeoutError("the timeout passed")
                self.conns.append(conn)
            return conn

        return make

    def cut(self) -> None:
        with self.lock:
            self.expired = True
            conns = list(self.conns)
        for conn in conns:
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
                except OSError:
                    pass


class DeadlineHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self.deadline.connection(http.client.HTTPConnection), req)


class DeadlineHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self.deadline.connection(http.client.HTTPSConnection), req,
                            context=self._context)  # type: ignore[attr-defined]
