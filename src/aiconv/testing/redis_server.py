"""A real ``redis-server`` for tests: a free port, a private data dir, start/stop/kill/restart.

``RedisServer`` runs the Debian ``redis-server`` binary as a child process listening on
127.0.0.1 only, with its config, data (``appendonly yes`` by default) and log file in its own
directory. ``kill()`` is ``kill -9``; ``restart()`` starts it again on the same port over the
same data, so tests can check what survives a crash; ``start(loading=True)`` returns while it
still loads that data (answering ``LOADING``), which ``settings`` such as Redis's own
``key-load-delay`` can make last as long as a test needs. Every wait has a deadline; nothing
sleeps and hopes. It must never touch a server it did not start (e.g. one on 6379).

Use it as a context manager or through a fixture::

    @pytest.fixture(scope="module")
    def redis_server(tmp_path_factory):
        with RedisServer(tmp_path_factory.mktemp("redis")) as server:
            yield server
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def has_redis_server(executable: str = "redis-server") -> bool:
    """Whether the ``redis-server`` binary is installed."""
    return shutil.which(executable) is not None


class RedisServer:
    """One ``redis-server`` child process on a free port, over a private data directory."""

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        appendonly: bool = True,
        appendfsync: str = "everysec",
        users: Mapping[str, str] | None = None,
        tls: bool = False,
        cluster: bool = False,
        settings: Mapping[str, str] | None = None,
        executable: str = "redis-server",
    ) -> None:
        """``users`` maps ACL user names to passwords; when given, ``default`` is disabled.

        ``tls`` serves TLS only, with a self-signed certificate for 127.0.0.1 made by
        ``openssl`` in ``directory``; ``url`` then is a ``rediss://`` URL that trusts it.
        ``cluster`` starts a Redis Cluster node (``cluster-enabled yes``), its own cluster
        configuration file in ``directory``, a node timeout of 1 s (quick failovers).
        ``settings`` are more configuration directives, written last (they win).
        """
        self.directory = Path(directory)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.users = dict(users or {})
        self.tls = tls
        self.cluster = cluster
        self.settings = dict(settings or {})
        self.executable = executable
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0`` (add credentials yourself when ``users`` is set)."""
        if self.tls:
            return f"rediss://127.0.0.1:{self.port}/0?ssl_ca_certs={self.certificate}"
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def certificate(self) -> Path:
        """The self-signed certificate (also its own CA) when ``tls`` is on."""
        return self.directory / "tls-cert.pem"

    @property
    def log_file(self) -> Path:
        """Where the server writes its own log."""
        return self.directory / "redis.log"

    @property
    def is_running(self) -> bool:
        """Whether the child process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15.0, *, loading: bool = False) -> None:
        """Start the server and return once it answers and has loaded its data (with
        ``loading``: once it answers, ``LOADING`` too)."""
        if self.is_running:
            return
        if shutil.which(self.executable) is None:
            raise RuntimeError(f"{self.executable} is not installed (apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.tls and not self.certificate.exists():
            self._make_certificate()
        config = self.directory / "redis.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen(
            [self.executable, str(config)],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_ready(timeout, loading)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server gracefully (SIGTERM), waiting for it to exit."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self, timeout: float = 10.0) -> None:
        """``kill -9`` the server, as a crash would."""
        self._signal(signal.SIGKILL, timeout)

    def restart(self, timeout: float = 15.0) -> None:
        """Start again on the same port over the same data directory."""
        self.stop(timeout)
        self.start(timeout)

    def _signal(self, signum: int, timeout: float) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signum)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def _make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.directory / "tls-key.pem"), "-out", str(self.certificate),
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def _listen(self) -> list[str]:
        if not self.tls:
            return [f"port {self.port}"]
        key = self.directory / "tls-key.pem"
        return [
            "port 0",
            f"tls-port {self.port}",
            f"tls-cert-file {self.certificate}",
            f"tls-key-file {key}",
            f"tls-ca-cert-file {self.certificate}",
            "tls-auth-clients no",
        ]

    def _config(self) -> str:
        lines = [
            *self._listen(),
            "bind 127.0.0.1",
            "protected-mode no",
            "daemonize no",
            f"dir {self.directory}",
            f"logfile {self.log_file}",
            'save ""',
            f"appendonly {'yes' if self.appendonly else 'no'}",
            f"appendfsync {self.appendfsync}",
        ]
        if self.cluster:
            lines += [
                "cluster-enabled yes",
                f"cluster-config-file {self.directory}/nodes.conf",
                "cluster-node-timeout 1000",
                "cluster-replica-validity-factor 0",  # a replica always takes over a dead master
            ]
        for user, password in self.users.items():
            lines.append(f"user {user} on >{password} ~* &* +@all")
        if self.users:
            lines.append("user default off")
        lines += [f"{name} {value}" for name, value in self.settings.items()]
        return "\n".join(lines) + "\n"

    def _wait_until_ready(self, timeout: float, loading: bool = False) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {self.log_file}")
            if self._answers(loading):
                return
            time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"redis-server did not answer within {timeout}s; see {self.log_file}")

    def _answers(self, loading: bool = False) -> bool:
        """Whether the server replies to PING (NOAUTH counts; LOADING only if ``loading``)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as raw:
                if not self.tls:
                    raw.sendall(b"PING\r\n")
                    reply = raw.recv(64)
                else:
                    context = ssl.create_default_context(cafile=str(self.certificate))
                    with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
                        sock.sendall(b"PING\r\n")
                        reply = sock.recv(64)
        except OSError:
            return False
        answers = (b"+PONG", b"-NOAUTH", b"-NOPERM")
        return reply.startswith((*answers, b"-LOADING") if loading else answers)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(Exception):
            self.kill()
