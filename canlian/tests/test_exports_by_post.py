"""Exports are actions: each starts with a POST (issue 17 §10). A GET — a prefetch, a crawler,
a reload — wrote a file and an audit row on every visit of /cases/board/export/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from canlian.core.models import AuditEvent, User
from canlian.tests.test_jurisdiction_matrix import SAMPLES, html_endpoints

ROLE_ORDER = ("county_staff", "county_admin", "auditor", "township_staff", "leader")


def _exports() -> list[tuple[str, frozenset[str]]]:
    return [(name, view.allowed_roles) for name, view in html_endpoints()
            if "export" in name.split(":")[-1] and view.allowed_roles]


def test_the_export_endpoints_are_known() -> None:
    assert {"cases:board_export", "registry:person_export", "core:audit_export",
            "crosscheck:finding_export"} <= {name for name, _ in _exports()}


@pytest.mark.django_db
def test_every_export_refuses_a_get_and_writes_nothing(personas: dict[str, User],
                                                        client: Client) -> None:
    failures = []
    for name, roles in _exports():
        role = next(r for r in ROLE_ORDER if r in roles)
        actor = personas[role]
        client.force_login(actor)
        kwargs = SAMPLES[name](actor, personas)[0] if name in SAMPLES else {}
        before = AuditEvent.objects.count()
        status = client.get(reverse(name, kwargs=kwargs)).status_code
        if status != 405 or AuditEvent.objects.count() != before:
            failures.append(f"{name}: GET answered {status}")
    assert failures == []


@pytest.mark.django_db
def test_board_export_is_audited_once_per_post_and_leaves_no_file(
        personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["county_staff"])
    exports = Path(settings.MEDIA_ROOT) / "exports"
    before = set(exports.glob("*")) if exports.exists() else set()
    response = client.post(reverse("cases:board_export"), {"year": ""})
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
    # No response.close(): it sends request_finished, which closes the test's database
    # connection on PostgreSQL before the audit count below.
    assert AuditEvent.objects.filter(summary__startswith="导出问题清单").count() == 1
    assert set(exports.glob("*")) == before
