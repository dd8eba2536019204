"""What the fault tests' driver subprocess can do on the site's database (see sitekit.py):
set up data through factories and services, and act as users through Django's test client."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.core.models import AuditAction, AuditEvent, Region, TaskRun
from canlian.core.roles import Role
from canlian.core.tests.factories import UserFactory

COUNTY = "520322000000"
_clients: dict[str, Client] = {}


def vendor() -> str:
    return connection.vendor


def user(*, username: str, role: str = Role.COUNTY_STAFF, region: str = COUNTY) -> int:
    return UserFactory(username=username, role=role, region=Region.objects.get(code=region)).pk


def _client(username: str) -> Client:
    if username not in _clients:
        from canlian.core.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        _clients[username] = client
    return _clients[username]


def audit_rows(*, count: int) -> int:
    """`count` audit rows of a county staff member's changes, for an export to stream."""
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        [AuditEvent(actor_username="county", action=AuditAction.UPDATE, object_type="core.user",
                    object_id=str(n), region_code=COUNTY, summary=f"修改第 {n} 条",
                    at=now, changes={"name": ["甲", "乙"]}) for n in range(count)],
        batch_size=500)
    return AuditEvent.objects.count()


def get(*, username: str, path: str, json: bool = False) -> dict[str, Any]:
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    response = _client(username).get(path, **headers)
    body = response.json() if json and response.status_code == 200 else (
        response.content.decode() if not getattr(response, "streaming", False) else "")
    return {"status": response.status_code, "body": body,
            "location": response.headers.get("Location", "")}


def post(*, username: str, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    response = _client(username).post(path, data or {})
    return {"status": response.status_code, "location": response.headers.get("Location", "")}


def start_audit_export(*, username: str, filters: dict[str, str] | None = None) -> str:
    response = _client(username).post(reverse("core:audit_export"), filters or {})
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].rstrip("/").split("/")[-1]


def task_state(*, run_id: str) -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    run = TaskRun.objects.get(pk=run_id)
    queue = list(DBTaskResult.objects.filter(args_kwargs__args__0=run_id)
                 .values_list("status", flat=True))
    return {"status": run.status, "done": run.done, "total": run.total, "message": run.message,
            "result_file": run.result_file, "attempts": run.attempts,
            "worker": run.worker_id or "", "queue": queue, "result": run.result}


def poll_while_using(*, run_id: str, poller: str, user: str, timeout: float = 300) -> dict:
    """The progress page's poll every few milliseconds, while another user keeps the site busy
    with writes (the "继续使用" keep-alive, which writes the session; a sign-in, which writes
    the session, the user and the audit log), until the task ends."""
    from canlian.core.models import User

    poll_url = reverse("core:task_progress", args=[run_id])
    polls = writes = 0
    other = User.objects.get(username=user)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = _client(poller).get(poll_url, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.status_code
        polls += 1
        state = response.json()
        if state["finished"]:
            return {"polls": polls, "writes": writes, "state": state}
        assert _client(user).get(reverse("core:keepalive")).status_code == 204
        Client().force_login(other)
        writes += 2
        time.sleep(0.02)
    raise AssertionError("the task did not finish")
