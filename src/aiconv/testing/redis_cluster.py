"""A real local Redis Cluster for tests: three masters and three replicas on free ports.

``LocalCluster`` starts six ``RedisServer`` cluster nodes (``cluster-enabled yes``, node timeout
1 s, no persistence), joins them with ``redis-cli --cluster create … --cluster-replicas 1`` and
returns once every node reports ``cluster_state:ok`` and agrees on three masters with a replica
each. ``kill_master_of(key)`` is ``kill -9`` of the master that owns a key's slot;
``until_promoted`` waits for its replica to take over. Every wait has a deadline; nothing
sleeps and hopes. It never touches a server it did not start (e.g. one on 6379).

    @pytest.fixture(scope="module")
    def redis_cluster(tmp_path_factory):
        with LocalCluster(tmp_path_factory.mktemp("cluster")) as cluster:
            yield cluster
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from redis import Redis
from redis.crc import key_slot

from aiconv.testing.redis_server import RedisServer

#: How long the cluster may take to form or to fail over (seconds).
FORM_TIMEOUT = 30.0


def cluster_port(taken: set[int] | None = None) -> int:
    """A free port P <= 55535 whose cluster bus port P + 10000 is free too (and neither in
    ``taken``, the ports and bus ports already handed to other nodes; both are added)."""
    taken = set() if taken is None else taken
    for _ in range(1000):
        port = random.randint(20000, 55535)
        if {port, port + 10000} & taken:
            continue
        with socket.socket() as sock, socket.socket() as bus, contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            bus.bind(("127.0.0.1", port + 10000))
            taken |= {port, port + 10000}
            return port
    raise RuntimeError("no free port pair for a cluster node")


def has_redis_cluster() -> bool:
    """Whether ``redis-server`` and ``redis-cli`` (for ``--cluster create``) are installed."""
    return shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None


class LocalCluster:
    """Six ``redis-server`` cluster nodes: three masters, each with one replica."""

    def __init__(self, directory: Path, *, masters: int = 3) -> None:
        self.directory = Path(directory)
        taken: set[int] = set()
        self.nodes = [
            RedisServer(
                self.directory / f"node{i}",
                port=cluster_port(taken),
                appendonly=False,
                cluster=True,
            )
            for i in range(masters * 2)
        ]
        self.masters = masters

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT?cluster=1`` of the first node still running."""
        return f"redis://127.0.0.1:{self.running[0].port}?cluster=1"

    @property
    def running(self) -> list[RedisServer]:
        """The nodes whose process is alive."""
        return [node for node in self.nodes if node.is_running]

    def start(self) -> None:
        """Start every node, create the cluster and wait until it is ok everywhere."""
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *addresses,
             "--cluster-replicas", "1", "--cluster-yes"],
            check=True, capture_output=True, timeout=FORM_TIMEOUT,
        )  # fmt: skip
        self.until_healthy()

    def until_healthy(self, timeout: float = FORM_TIMEOUT) -> None:
        """Until every running node says ``cluster_state:ok`` and sees all masters served."""
        deadline = time.monotonic() + timeout
        while not all(self._is_healthy(node) for node in self.running):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not become healthy within {timeout:g}s")
            time.sleep(0.05)

    def _is_healthy(self, node: RedisServer) -> bool:
        try:
            with Redis(port=node.port, socket_timeout=2) as client:
                info = client.cluster("info")
                masters = [
                    n for n in self._nodes(client) if "master" in n[2] and "fail" not in n[2]
                ]
        except Exception:  # a node still starting or just killed: not healthy yet
            return False
        return info.get("cluster_state") == "ok" and len(masters) == self.masters

    def _nodes(self, client: Redis) -> list[list[str]]:
        text: object = client.execute_command("CLUSTER", "NODES")  # type: ignore[no-untyped-call]
        raw = text.decode() if isinstance(text, bytes) else str(text)
        return [line.split() for line in raw.splitlines() if line.strip()]

    def master_of(self, key: str) -> RedisServer:
        """The running node that serves ``key``'s slot as master."""
        slot = key_slot(key.encode())
        for node in self.running:
            with Redis(port=node.port, socket_timeout=2) as client:
                if client.execute_command("ROLE")[0] == b"master":
                    owned = _slots_of(self._nodes(client), node.port)
                    if any(lo <= slot <= hi for lo, hi in owned):
                        return node
        raise RuntimeError(f"no running master serves slot {slot}")

    def replica_of(self, master: RedisServer) -> RedisServer:
        """The running node that replicates ``master``."""
        with Redis(port=master.port, socket_timeout=2) as client:
            myid = client.execute_command("CLUSTER", "MYID").decode()
            rows = self._nodes(client)
        ports = {int(row[1].split("@")[0].rpartition(":")[2]) for row in rows if row[3] == myid}
        for node in self.running:
            if node.port in ports:
                return node
        raise RuntimeError(f"no running replica of the node on port {master.port}")

    def kill_master_of(self, key: str) -> RedisServer:
        """``kill -9`` the master of ``key``'s slot; the killed node."""
        node = self.master_of(key)
        node.kill()
        return node

    def until_promoted(self, key: str, timeout: float = FORM_TIMEOUT) -> RedisServer:
        """Until a running node serves ``key``'s slot as master again and the cluster is ok."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(Exception):
                node = self.master_of(key)
                self.until_healthy(max(deadline - time.monotonic(), 0.1))
                return node
            if time.monotonic() > deadline:
                raise RuntimeError(f"no replica took over {key!r} within {timeout:g}s")
            time.sleep(0.05)

    def stop(self) -> None:
        """``kill -9`` every node."""
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.kill()

    def __enter__(self) -> LocalCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _slots_of(rows: list[list[str]], port: int) -> list[tuple[int, int]]:
    """The slot ranges ``CLUSTER NODES`` gives the node listening on ``port`` (``myself``)."""
    ranges: list[tuple[int, int]] = []
    for row in rows:
        if "myself" in row[2] and row[1].split("@")[0].endswith(f":{port}"):
            for part in row[8:]:
                if part.startswith("["):
                    continue  # a slot being migrated
                lo, _, hi = part.partition("-")
                ranges.append((int(lo), int(hi or lo)))
    return ranges
