"""The embedded Neo4j the project starts: build the Java launcher, start, wait for Bolt, stop.

The launcher (``graph/launcher``, a Maven project with one class) runs Neo4j Community 5.26 LTS
embedded with Bolt on 127.0.0.1. Its process id, log and generated password live in the server's
home folder (``var/neo4j`` for the demo; tests use their own).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from graph.errors import ServerStartError
from graph.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

LAUNCHER_DIR = REPO_ROOT / "graph" / "launcher"
LAUNCHER_MAIN = "kg.Launcher"
READY_POLL_SECONDS = 0.1
"""How often the start-up wait asks Bolt whether the server answers (a refused connection costs ~1 ms)."""
STORE_UMASK = 0o077
"""The launcher runs with this umask: every store, transaction log and log file is owner-only."""


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


def restrict_tree(root: Path) -> None:
    """Remove group and other permissions below ``root`` (files 0600, folders 0700)."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            try:
                mode = path.lstat().st_mode
                if mode & 0o077 and not path.is_symlink():
                    path.chmod(mode & 0o700)
            except FileNotFoundError:
                continue


def build_launcher(*, quiet: bool = True) -> None:
    """Build the launcher with Maven unless its classes and libraries are already there."""
    classes = LAUNCHER_DIR / "target" / "classes" / "kg" / "Launcher.class"
    lib = LAUNCHER_DIR / "target" / "lib"
    sources = [LAUNCHER_DIR / "pom.xml", *LAUNCHER_DIR.glob("src/main/java/kg/*.java")]
    if (
        classes.exists()
        and lib.is_dir()
        and all(s.stat().st_mtime <= classes.stat().st_mtime for s in sources)
    ):
        return
    cmd = ["mvn", "-B", "package", "-DskipTests"] + (["-q"] if quiet else [])
    log.info("building the Neo4j launcher: %s", " ".join(cmd))
    result = subprocess.run(cmd, cwd=LAUNCHER_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        raise ServerStartError(
            "Neo4j 启动器构建失败 / building the Neo4j launcher failed (mvn package):\n"
            + (result.stdout + result.stderr)[-4000:]
        )


@dataclass
class ServerStatus:
    home: Path
    uri: str
    pid: int | None
    process_alive: bool
    bolt_answers: bool
    server_agent: str | None
    elsewhere: str | None = None
    """Set when this home's launcher serves another port than the one asked for: what to do."""

    @property
    def running(self) -> bool:
        return self.bolt_answers


class EmbeddedServer:
    """One embedded Neo4j instance: a home folder, a port and the launcher process."""

    user = "neo4j"

    def __init__(
        self,
        home: Path,
        port: int,
        *,
        heap: str = "1g",
        pagecache: str = "512m",
        start_timeout: float = 180.0,
        watch_parent: bool = False,
    ) -> None:
        self.home = Path(home).resolve()
        self.port = port
        self.heap = heap
        self.pagecache = pagecache
        self.start_timeout = start_timeout
        self.watch_parent = watch_parent
        """When True the launcher exits once this Python process is gone (tests); ``kg db start``
        and ``kg serve`` leave it False: the server is detached on purpose."""

    @classmethod
    def from_settings(cls, s: Settings) -> EmbeddedServer:
        return cls(
            s.neo4j_home,
            s.kg_neo4j_port,
            heap=s.kg_neo4j_heap,
            pagecache=s.kg_neo4j_pagecache,
            start_timeout=s.kg_neo4j_start_timeout,
        )

    # -- files ------------------------------------------------------------------------------
    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def pid_file(self) -> Path:
        return self.home / "launcher.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "launcher.log"

    def password(self) -> str:
        """The generated password, created (readable by the owner only) on first use."""
        if not self.password_file.exists():
            self.make_home()
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_urlsafe(24) + "\n")
        return self.password_file.read_text(encoding="utf-8").strip()

    def make_home(self) -> None:
        """The home folder and its parent (``var/``) owner-only (0700); files already in the
        home (a store created by an earlier version) are tightened to 0600 / 0700."""
        for folder in (self.home.parent, self.home):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for folder in (self.home.parent, self.home):
            if folder.stat().st_mode & 0o077:
                folder.chmod(0o700)
        restrict_tree(self.home)

    def auth(self) -> tuple[str, str]:
        return (self.user, self.password())

    # -- process ----------------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _is_launcher(pid) else None

    def bolt_agent(self) -> str | None:
        """The server agent (``Neo4j/5.26.x``) if Bolt answers with our credentials, else None."""
        try:
            with neo4j.GraphDatabase.driver(
                self.uri, auth=self.auth(), connection_timeout=2.0, max_connection_lifetime=5
            ) as drv:
                info = drv.get_server_info()
                return info.agent
        except (ServiceUnavailable, OSError):
            return None
        except AuthError as e:
            raise ServerStartError(
                f"端口 {self.port} 上的 Neo4j 拒绝了本项目的密码 / the Neo4j on port {self.port} refused "
                f"this project's password ({self.password_file}); another server may be using the port"
            ) from e

    def status(self) -> ServerStatus:
        pid = self.pid()
        agent = self.bolt_agent()
        return ServerStatus(
            self.home, self.uri, pid, pid is not None, agent is not None, agent, self.elsewhere(pid)
        )

    def command(self) -> list[str]:
        """The java command line of the launcher (builds it first if needed)."""
        build_launcher()
        self.make_home()
        self.password()
        lib = LAUNCHER_DIR / "target"
        return [
            "java",
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-cp",
            f"{lib / 'classes'}{os.pathsep}{lib / 'lib' / '*'}",
            LAUNCHER_MAIN,
            "--home",
            str(self.home),
            "--port",
            str(self.port),
            "--pagecache",
            self.pagecache,
            "--password-file",
            str(self.password_file),
            *(["--parent-pid", str(os.getpid())] if self.watch_parent else []),
        ]

    def run_foreground(self) -> int:
        """Run the launcher attached to the terminal; Ctrl-C or SIGTERM shuts Neo4j down cleanly."""
        proc = subprocess.Popen(self.command(), cwd=self.home, start_new_session=True, umask=STORE_UMASK)
        _write_private(self.pid_file, str(proc.pid))

        def forward(signum: int, frame: object) -> None:
            proc.send_signal(signal.SIGTERM)  # the JVM's shutdown hook stops Neo4j cleanly

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            return proc.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.pid_file.unlink(missing_ok=True)

    def start(self) -> bool:
        """Start the server and return once Bolt answers. Returns False if it was already up."""
        if self.bolt_agent():
            return False
        pid = self.pid()
        if elsewhere := self.elsewhere(pid):
            raise ServerStartError(elsewhere)
        if pid is None:
            cmd = self.command()
            fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "ab") as out:
                proc = subprocess.Popen(
                    cmd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    cwd=self.home,
                    umask=STORE_UMASK,
                )
            _write_private(self.pid_file, str(proc.pid))
            pid = proc.pid
            log.info("started Neo4j launcher pid %s on port %s", pid, self.port)
        self._wait_for_bolt(pid)
        return True

    def elsewhere(self, pid: int | None) -> str | None:
        """What to do when this home's launcher ``pid`` serves another port than ours, else None.
        It holds the store, so a second server cannot start on it: waiting for ours would never end."""
        running = _launcher_port(pid) if pid is not None else None
        if running is None or running == self.port:
            return None
        return (
            f"本项目的 Neo4j 已在端口 {running} 运行（pid {pid}，{self.home}），不是 {self.port}："
            f"设置 KG_NEO4J_PORT={running}，或先停止它（kg db stop）/ this project's Neo4j already runs on port "
            f"{running} (pid {pid}, home {self.home}), not on {self.port}: set KG_NEO4J_PORT={running}, "
            "or stop it first (kg db stop)"
        )

    def _wait_for_bolt(self, pid: int) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._port_open() and self.bolt_agent():
                return
            if not _running(pid):  # not _is_launcher: the child may not have exec'd java yet
                raise ServerStartError(
                    f"Neo4j 启动失败 / Neo4j exited while starting; last lines of {self.log_file}:\n"
                    + self.log_tail()
                )
            time.sleep(READY_POLL_SECONDS)
        raise ServerStartError(
            f"Neo4j 在 {self.start_timeout:.0f} 秒内未就绪 / Neo4j did not answer on {self.uri} within "
            f"{self.start_timeout:.0f} s; see {self.log_file}:\n" + self.log_tail()
        )

    def _port_open(self) -> bool:
        """True once something listens on the Bolt port (a plain connect: far cheaper than a driver)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self, timeout: float = 120.0) -> bool:
        """Shut down cleanly (SIGTERM runs Neo4j's shutdown hook). Returns False if not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _is_launcher(pid):
            _reap(pid)
            time.sleep(0.2)
        if _is_launcher(pid):
            raise ServerStartError(f"Neo4j (pid {pid}) 未在 {timeout:.0f} 秒内停止 / did not stop in time")
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(
                self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except FileNotFoundError:
            return "(no log)"


def _cmdline(pid: int) -> list[bytes]:
    """The arguments process ``pid`` was started with (empty once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return []


def _launcher_port(pid: int) -> int | None:
    """The Bolt port launcher ``pid`` was started with (its ``--port`` argument), None if unknown."""
    args = _cmdline(pid)
    try:
        return int(args[args.index(b"--port") + 1])
    except (ValueError, IndexError):
        return None


def _reap(pid: int) -> None:
    """Collect the exit status if the launcher is our own child (tests start it in-process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _running(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                _reap(pid)
                return False
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return True


def _is_launcher(pid: int) -> bool:
    """True if ``pid`` is a live launcher process (not a zombie, not a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                _reap(pid)
                return False
        return LAUNCHER_MAIN.encode() in b"\0".join(_cmdline(pid))
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
