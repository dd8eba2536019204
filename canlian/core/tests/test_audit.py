"""Audit log (issue #2 §4; 等保 安全审计, DOMAIN.md §7.1): every write of personal data, every
reveal, every export and every login is recorded, and no code path changes or removes a row."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from canlian.core import audit, services
from canlian.core.models import AuditAction, AuditEvent, User


def _create(personas: dict[str, User], **extra: str) -> User:
    return services.user_create(
        actor=personas["county_admin"], username="zhou", name="周七", role="village_liaison",
        region=personas["village_liaison"].region, password="Xy!12345pass", **extra,
    )


def test_user_create_and_update_record_old_and_new_values_masked(
    personas: dict[str, User],
) -> None:
    user = _create(personas, phone="13912345678")
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(user.pk))
    assert created.actor == personas["county_admin"]
    assert created.changes["name"] == [None, "周七"]
    assert created.changes["phone"] == [None, "139****5678"]
    assert created.region_code == user.region_id

    services.user_update(
        actor=personas["county_admin"], user=user, name="周七七", role="village_liaison",
        region=user.region, is_active=True, phone="13700001111",
    )
    updated = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(user.pk))
    assert updated.changes == {"name": ["周七", "周七七"],
                               "phone": ["139****5678", "137****1111"]}


def test_a_creation_logs_the_fields_filled_in_and_leaves_empty_ones_out() -> None:
    """An empty field of a new record has no old value either: it tells the auditor nothing.
    False and 0 are values and are kept."""

    class Record:
        name, phone, note, tags, flag, count = "周七", "", None, [], False, 0

    assert audit.created(Record(), ["name", "phone", "note", "tags", "flag", "count"]) == {
        "name": [None, "周七"], "flag": [None, False], "count": [None, 0]}


def test_saving_unchanged_user_writes_no_audit_row(personas: dict[str, User]) -> None:
    user = _create(personas)
    before = AuditEvent.objects.count()
    services.user_update(actor=personas["county_admin"], user=user, name=user.name,
                         role=user.role, region=user.region, is_active=True)
    assert AuditEvent.objects.count() == before


def test_reveal_is_audited_and_shows_full_number(personas: dict[str, User],
                                                 client: Client) -> None:
    user = _create(personas, phone="13912345678")
    client.force_login(personas["county_admin"])
    page = client.get(reverse("core:user_detail", args=[user.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    response = client.post(reverse("core:user_reveal", args=[user.pk, "phone"]), follow=True)
    assert "13912345678" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (event.actor, event.object_id, event.changes) == (
        personas["county_admin"], str(user.pk), {"field": "phone"})
    # Shown once: reloading the page shows the mask again and writes no second row.
    again = client.get(reverse("core:user_detail", args=[user.pk])).content.decode()
    assert "13912345678" not in again
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1


def test_logins_success_and_failure_are_audited(personas: dict[str, User],
                                                client: Client) -> None:
    from canlian.core.tests.factories import TEST_PASSWORD

    client.post(reverse("core:login"), {"username": "leader", "password": "wrong"})
    client.post(reverse("core:login"), {"username": "nobody", "password": "wrong"})
    client.post(reverse("core:login"), {"username": "leader", "password": TEST_PASSWORD})
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert [e.actor_username for e in failed] == ["leader", "nobody"]
    assert [e.success for e in failed] == [False, False]
    ok = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert ok.actor == personas["leader"] and ok.ip_address == "127.0.0.1"


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(
    personas: dict[str, User],
) -> None:
    _create(personas)
    event = AuditEvent.objects.first()
    assert event is not None
    event.summary = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(summary="篡改")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres_only
def test_database_refuses_update_delete_truncate_of_audit_rows(
    personas: dict[str, User],
) -> None:
    """The PostgreSQL triggers stop any client, not only our ORM (migration 0003)."""
    _create(personas)
    for sql in ("UPDATE core_auditevent SET summary = 'x'", "DELETE FROM core_auditevent",
                "TRUNCATE core_auditevent"):
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(sql)
    assert AuditEvent.objects.exists()


def test_every_engine_refuses_raw_update_and_delete_of_audit_rows(
    personas: dict[str, User],
) -> None:
    """SQLite too is append-only at the database (migration 0011, as 0003 on PostgreSQL): raw
    SQL, as the sqlite3 shell or another program would send it, cannot change or remove a row."""
    _create(personas)
    before = list(AuditEvent.objects.values_list("id", "summary"))
    for sql in ("UPDATE core_auditevent SET summary = 'x'", "DELETE FROM core_auditevent"):
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(sql)
    assert list(AuditEvent.objects.values_list("id", "summary")) == before


def test_auditor_reads_own_jurisdiction_and_system_events_only(
    personas: dict[str, User], client: Client
) -> None:
    _create(personas)  # an event in 桐梓县
    services.user_create(
        actor=personas["other_county_admin"], username="hy1", name="汉阴用户", role="leader",
        region=personas["other_county_admin"].region, password="Xy!12345pass",
    )
    client.force_login(personas["auditor"])
    ours = client.get(reverse("core:audit_list"), {"action": "create"}).context["page"]
    assert {e.actor_username for e in ours} == {"admin"}
    client.force_login(personas["other_county_auditor"])
    theirs = client.get(reverse("core:audit_list"), {"action": "create"}).context["page"]
    assert {e.actor_username for e in theirs} == {"hy_admin"}


def test_audit_list_query_count_is_fixed(personas: dict[str, User], client: Client,
                                         django_assert_max_num_queries: object) -> None:
    for i in range(30):
        services.user_create(
            actor=personas["county_admin"], username=f"u{i}", name=f"用户{i}", role="leader",
            region=personas["county_admin"].region, password="Xy!12345pass",
        )
    client.force_login(personas["auditor"])
    # + the page's object names (one UNION query) and region names (issue #16 §16)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = client.get(reverse("core:audit_list"))
    assert len(response.context["page"]) == 30


def test_auditor_daily_series_counts_reveals_and_exports_zero_filled(
    personas: dict[str, User],
) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from canlian.core import audit
    from canlian.core.selectors import audit_events_by_day

    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        audit.audit_record(actor=personas["county_admin"], action=AuditAction.REVEAL,
                           region_code="520322101000")
    audit.audit_record(actor=personas["county_admin"], action=AuditAction.EXPORT,
                       region_code="520322000000")
    audit.audit_record(actor=personas["county_admin"], action=AuditAction.UPDATE,
                       region_code="520322000000")
    audit.audit_record(actor=personas["other_county_admin"], action=AuditAction.EXPORT,
                       region_code="610921000000")  # another county: not counted
    series = audit_events_by_day(actor=personas["auditor"], days=14)
    assert len(series) == 14 and series[-1]["day"] == timezone.localdate()
    assert (series[-1]["total"], series[-1]["reveals"], series[-1]["exports"]) == (2, 0, 1)
    assert (series[-4]["total"], series[-4]["reveals"]) == (1, 1)
    assert sum(day["total"] for day in series) == 3
