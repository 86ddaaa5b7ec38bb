"""A throwaway PostgreSQL cluster on 127.0.0.1 for tests (Debian's postgresql package).

    cluster = PgCluster.start()          # initdb into a temporary folder, pg_ctl start on a free port
    url = cluster.create_database("x")   # postgresql+psycopg://postgres:...@127.0.0.1:PORT/x
    cluster.stop()                       # stop the server and remove the folder

A watchdog process stops the server and removes the folder when the process that started the
cluster dies without calling stop() (a killed pytest worker leaves no server behind).

As root (containers, CI) the server runs as the `postgres` user through `runuser`; as anyone else
it runs as that user. `pg_bin_dir()` is None when the server binaries are not installed.
"""
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


def pg_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that holds pg_ctl and initdb, if any."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
             if (Path(p).parent / "initdb").is_file()]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def unavailable_reason() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    if pg_bin_dir() is None:
        return "PostgreSQL server binaries (pg_ctl, initdb) not found under /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is not available"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgCluster:
    bin_dir: Path
    folder: Path
    port: int
    password: str
    as_postgres: list[str]
    watchdog: subprocess.Popen | None = None

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @classmethod
    def start(cls) -> "PgCluster":
        """Create and start a cluster; the superuser is `postgres` with a random password."""
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        bin_dir = pg_bin_dir()
        # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        folder = Path(tempfile.mkdtemp(prefix="partyorg-pg-"))
        as_postgres: list[str] = []
        if os.geteuid() == 0:
            as_postgres = ["runuser", "-u", "postgres", "--"]
            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
        cluster = cls(bin_dir, folder, _free_port(), secrets.token_hex(16), as_postgres)
        try:
            cluster._initdb()
            cluster._pg_ctl("start", "-w", "-t", "60", "-l", str(folder / "server.log"), "-o",
                            f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {folder} -c fsync=off "
                            "-c synchronous_commit=off -c full_page_writes=off")
        except BaseException:
            cluster._remove()
            raise
        cluster._start_watchdog()
        return cluster

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, cwd=self.folder,
                              check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def _start_watchdog(self) -> None:
        """Stop the server and remove the folder once this process is gone (a crash or a kill)."""
        stop = [*self.as_postgres, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "stop", "-m", "immediate"]
        code = (
            "import os, shutil, subprocess, sys, time\n"
            "parent, folder, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]\n"
            "while os.path.isdir(folder):\n"
            "    try:\n"
            "        os.kill(parent, 0)\n"
            "    except ProcessLookupError:\n"
            "        subprocess.run(stop, capture_output=True)\n"
            "        shutil.rmtree(folder, ignore_errors=True)\n"
            "        break\n"
            "    time.sleep(1)\n"
        )
        # Its own session: a Ctrl-C meant for pytest does not stop the watchdog before pytest cleans up.
        self.watchdog = subprocess.Popen(
            [sys.executable, "-c", code, str(os.getpid()), str(self.folder), *stop],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, cwd="/")

    def _initdb(self) -> None:
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        pwfile.chmod(0o600)
        try:
            self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                      f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                      "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        finally:
            pwfile.unlink(missing_ok=True)

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args)

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3 driver) for `database`, password included."""
        return f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """A psycopg connection in autocommit mode (CREATE/DROP DATABASE need it)."""
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", password=self.password,
                               dbname=database, autocommit=True)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            self._pg_ctl("stop", "-m", "fast", "-w")
        except RuntimeError:
            pass
        finally:
            self._remove()
            if self.watchdog is not None:
                self.watchdog.kill()
                self.watchdog.wait()

    def _remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
