"""A real site for fault tests: its own database (a SQLite file, or a PostgreSQL database when the
suite runs on PostgreSQL), real `task_worker` subprocesses and a driver subprocess that acts as
the users (pages through Django's test client, services for set-up) on that database.

The in-memory test database cannot be shared with other processes, so each test gets a copy of
the migrated test database: SQLite's backup API into a file, or PostgreSQL's CREATE DATABASE …
TEMPLATE. Everything waits for states with generous timeouts; nothing depends on timing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

ROOT = Path(settings.BASE_DIR)
PYTHON = sys.executable
TIMEOUT = 120.0  # seconds: generous, the machine is shared


class SiteError(AssertionError):
    pass


def wait_for(what: str, check: Callable[[], Any], *, timeout: float = TIMEOUT,
             every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SiteError(f"timed out waiting for {what}")
        time.sleep(every)


def _pg_admin(sql: str) -> None:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"],
                         password=s["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(sql)


class Template:
    """The migrated test database, copied once per test session."""

    def __init__(self, tmp: Path) -> None:
        self.vendor = connection.vendor
        self.tmp = tmp
        if self.vendor == "sqlite":
            import sqlite3

            self.path = tmp / "template.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()
        else:
            self.name = f"faults_tpl_{uuid.uuid4().hex[:8]}"
            source = connection.settings_dict["NAME"]
            connections.close_all()  # a template must have no other sessions
            _pg_admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{source}"')

    def copy(self, folder: Path) -> tuple[str, Callable[[], None]]:
        """A fresh database; returns its DATABASE_URL and how to drop it."""
        if self.vendor == "sqlite":
            path = folder / "site.sqlite3"
            shutil.copyfile(self.path, path)
            return f"sqlite:///{path}", lambda: None
        name = f"faults_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        s = connection.settings_dict
        url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
        return url, lambda: _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop(self) -> None:
        if self.vendor != "sqlite":
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Driver:
    """A subprocess running canlian.core.tests.site_driver: call its actions by name."""

    def __init__(self, env: dict[str, str], log: Path, actions: list[str]) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "canlian.core.tests.site_driver", *actions], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)

    def __call__(self, action: str, **kwargs: Any) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"action": action, "kwargs": kwargs}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SiteError(f"driver ended during {action}; see {self.log.name}")
        answer = json.loads(line)
        if "error" in answer:
            raise SiteError(f"{action} failed in the driver:\n{answer['error']}")
        return answer["value"]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Site:
    def __init__(self, template: Template, folder: Path, actions: list[str] | None = None
                 ) -> None:
        self.folder = folder
        self.url, self._drop = template.copy(folder)
        self.vendor = template.vendor
        self.media = folder / "media"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "canlian.settings_test",
            "CANLIAN_LOCAL_ENV": "/dev/null",
            "DATABASE_URL": self.url,
            "CANLIAN_MEDIA_ROOT": str(self.media),
            "CANLIAN_TEST_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
            "CANLIAN_TASK_HEARTBEAT_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.driver = Driver(self.env, folder / "driver.log", actions or [])
        self._logs: list[Any] = []

    def start_worker(self, *, pause_after: str = "", times: int = 1) -> subprocess.Popen[bytes]:
        """A real `manage.py task_worker`. With `pause_after`, the worker's main thread stops
        for good right after its `times`-th SQL statement matching that regular expression
        (and says so in a marker file), so a test can kill it at a known point."""
        log = (self.folder / f"worker{len(self.workers)}.log").open("w")
        self._logs.append(log)
        command = [PYTHON, "-m", "canlian.core.tests.fault_worker",
                   "--pause-after", pause_after, "--times", str(times),
                   "--marker", str(self.marker(len(self.workers))), "--",
                   "task_worker", "--interval", "0.2", "--no-startup-delay"]
        proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def marker(self, n: int) -> Path:
        return self.folder / f"paused{n}"

    def wait_paused(self, proc: subprocess.Popen[bytes]) -> None:
        marker = self.marker(self.workers.index(proc))

        def paused() -> bool:
            if proc.poll() is not None:
                raise SiteError(f"worker exited ({proc.returncode}) before its pause point; "
                                f"see {self.folder}")
            return marker.exists()

        wait_for("the worker to reach its pause point", paused)

    @staticmethod
    def kill9(proc: subprocess.Popen[bytes]) -> None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    @staticmethod
    def stop(proc: subprocess.Popen[bytes]) -> int:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def wait_status(self, run_id: str, statuses: set[str], *,
                    timeout: float = TIMEOUT) -> dict[str, Any]:
        def state() -> dict[str, Any] | None:
            for proc in self.workers:
                if proc.poll() is not None and proc.returncode not in (0, -9, -15):
                    raise SiteError(f"a worker died ({proc.returncode}); see {self.folder}")
            current = self.driver("task_state", run_id=run_id)
            return current if current["status"] in statuses else None

        return wait_for(f"task {run_id} to be {statuses}", state, timeout=timeout, every=0.5)

    def close(self) -> None:
        for proc in self.workers:
            self.stop(proc)
        self.driver.close()
        for log in self._logs:
            log.close()
        self._drop()


@pytest.fixture(scope="session")
def site_template(django_db_setup: Any, django_db_blocker: Any,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    with django_db_blocker.unblock():
        template = Template(tmp_path_factory.mktemp("site-template"))
    yield template
    with django_db_blocker.unblock():
        template.drop()


@pytest.fixture
def site(site_template: Template, tmp_path: Path, request: pytest.FixtureRequest
         ) -> Iterator[Site]:
    """A site; a test module may name more driver actions in SITE_ACTIONS (module paths)."""
    site = Site(site_template, tmp_path, getattr(request.module, "SITE_ACTIONS", []))
    try:
        yield site
    finally:
        site.close()
