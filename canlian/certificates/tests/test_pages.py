"""Certificate pages through HTTP: the staff flow step by step, the assessor's page, PDFs,
uploads (type by magic bytes, size limit), deadlines, the expiry campaign and statistics."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.certificates import services, workflow
from canlian.certificates.models import Application, Status, Step, TravelAssumption
from canlian.certificates.tests.helpers import holder, run_to_end, submit
from canlian.core.crypto import blind_index
from canlian.core.models import AuditAction, AuditEvent, Region, User
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_id_number


def _act(client: Client, app: Application, action: str, **data: Any) -> Any:
    app.refresh_from_db()
    return client.post(reverse("certificates:application_action", args=[app.pk, action]),
                       {"version": app.version, **data}, follow=True)


def test_staff_flow_through_the_pages_issues_the_certificate(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    staff, assessor = personas["county_staff"], personas["assessor"]
    number = make_id_number()
    client.force_login(staff)
    response = client.post(reverse("certificates:application_create"), {
        "type": "new", "channel": "window", "name": "王五", "id_number": number,
        "region": regions["village_a"], "applicant_relation": "本人", "declared_category": "4",
        "in_person": "on"}, follow=True)
    assert "申请已提交" in response.content.decode()
    app = Application.objects.get(id_number_index=blind_index(number))
    assert client.get(reverse("certificates:application_action",
                              args=[app.pk, "accept"])).status_code == 200
    response = _act(client, app, "accept", received=workflow.materials_required(app))
    assert "已完成“受理（材料清单）”" in response.content.decode()
    _act(client, app, "assign", assessor=assessor.pk, institution="县人民医院",
         place="hospital")
    client.force_login(assessor)
    assert "王五" in client.get(reverse("certificates:assessment_list")).content.decode()
    assessment = app.assessments.get()
    app.refresh_from_db()
    client.post(reverse("certificates:assessment_detail", args=[assessment.pk]),
                {"version": app.version, "result": "qualified", "category": "4", "grade": "3"})
    app.refresh_from_db()
    assert app.step == Step.PUBLICIZE
    client.force_login(staff)
    response = _act(client, app, "publicity")  # too early: refused, nothing changes
    assert "公示期未满" in response.content.decode()
    with time_machine.travel(app.step_due_on.isoformat() + " 10:00 +0800"):
        client.force_login(staff)  # the session would have timed out over the days
        assert "已完成" in _act(client, app, "publicity").content.decode()
    # 不相容岗位分离: the staff member who recorded and accepted it is not offered the review
    app.refresh_from_db()
    detail = client.get(reverse("certificates:application_detail", args=[app.pk])).content
    assert "审核须由他人进行" in detail.decode()
    assert reverse("certificates:application_action", args=[app.pk, "review"]) not in \
        detail.decode()
    assert "不能再审核同一申请" in _act(client, app, "review").content.decode()
    client.force_login(personas["county_staff_2"])
    assert "已完成" in _act(client, app, "review").content.decode()
    client.force_login(staff)
    for action in ("produce", "issue"):
        assert "已完成" in _act(client, app, action).content.decode(), action
    app.refresh_from_db()
    assert app.status == Status.ISSUED
    person = Person.objects.get(id_number_index=blind_index(number))
    assert person.certificate_number == number + "43"
    detail = client.get(reverse("certificates:application_detail", args=[app.pk])).content
    assert "已发证" in detail.decode()
    pdf = client.get(reverse("certificates:receipt_pdf", args=[app.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    notice = client.get(reverse("certificates:assessment_notice_pdf", args=[app.pk]))
    assert notice.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(app.pk)).count() == 2


def test_stale_form_gets_a_conflict_message_and_changes_nothing(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    app = submit(personas["county_staff"], type="new", channel="window",
                 region=regions["village_a"], id_number=make_id_number())
    stale_version = app.version
    client.force_login(personas["county_staff"])
    _act(client, app, "accept", received=workflow.materials_required(app))
    response = client.post(reverse("certificates:application_action", args=[app.pk, "accept"]),
                           {"version": stale_version,
                            "received": workflow.materials_required(app)}, follow=True)
    assert "已被其他工作人员处理" in response.content.decode()
    assert Application.objects.get(pk=app.pk).steps.count() == 2


def test_upload_type_and_size_are_checked(personas: dict[str, User],
                                          regions: dict[str, str]) -> None:
    app = submit(personas["county_staff"], type="new", channel="window",
                 region=regions["village_a"], id_number=make_id_number())
    staff = personas["county_staff"]
    for content, ok in ((b"\xff\xd8\xff\xe0" + b"0" * 10, True), (b"%PDF-1.7 x", True),
                        (b"MZ\x90\x00 exe", False), (b"GIF89a....", False),
                        (b"\x89PNG\r\n\x1a\n" + b"0" * services.MAX_UPLOAD_BYTES, False)):
        try:
            services.document_upload(actor=staff, application=app, kind="photo",
                                     name="x.jpg", content=content)
        except services.DomainError as error:
            assert not ok and error.field == "file"
        else:
            assert ok
    assert app.documents.count() == 2
    stored = services.document_path(app.documents.first())
    assert "private" in str(stored) and stored.is_file()


def test_deadline_list_shows_overdue_for_the_acting_role(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    with time_machine.travel("2026-09-28 10:00 +0800", tick=False):
        app = submit(personas["county_staff"], type="new", channel="window",
                     region=regions["village_a"], id_number=make_id_number(), name="超期人")
    # Mon 9/28 + 3 working days: 9/29, 9/30, then 10/1–10/7 are 国庆 2026, so Thu 10/8.
    assert app.step_due_on.isoformat() == "2026-10-08"
    with time_machine.travel("2026-10-12 10:00 +0800", tick=False):
        client.force_login(personas["county_staff"])
        page = client.get(reverse("certificates:deadline_list")).content.decode()
        assert "超期人" in page and "已超期" in page
        client.force_login(personas["township_staff"])  # a window application: not theirs
        assert "超期人" not in client.get(reverse("certificates:deadline_list")).content.decode()


def test_expiry_campaign_opens_renewals_for_the_selected_people(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    today = timezone.localdate()
    soon = holder(regions["village_a"], name="快到期", valid_until=today + timedelta(days=30))
    busy = holder(regions["village_a"], name="已申请", valid_until=today + timedelta(days=40))
    holder(regions["village_a"], name="还早", valid_until=today + timedelta(days=200))
    submit(personas["county_staff"], type="replacement", channel="window",
           region=regions["village_a"], person=busy)
    client.force_login(personas["county_staff"])
    page = client.get(reverse("certificates:expiring_list")).content.decode()
    assert "快到期" in page and "已申请" in page and "还早" not in page
    client.post(reverse("certificates:expiring_list"), {"person": [soon.pk, busy.pk]})
    renewals = Application.objects.filter(type="renewal")
    assert [a.person_id for a in renewals] == [soon.pk]
    assert renewals.get().step == Step.ACCEPT


def test_statistics_show_trips_and_savings_with_the_assumptions(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """只跑一次 (seed 000): saved trips × the township's days and cost per trip."""
    TravelAssumption.objects.create(region=Region.objects.get(code=regions["township_a"]),
                                    days_per_trip=Decimal("1.5"),
                                    cost_per_trip_amount=Decimal("80.00"))
    for channel in ("home", "window"):
        app = submit(personas["county_staff"], type="renewal", channel=channel,
                     region=regions["village_a"], person=holder(regions["village_a"]))
        run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                   assessor=personas["assessor"])
    client.force_login(personas["leader"])
    stats = client.get(reverse("certificates:statistics")).context["stats"]
    savings = stats["savings"]
    home = next(r for r in savings["rows"] if r["channel"] == "home")
    assert (home["trips"], home["window_trips"], home["saved_trips"]) == (0, 2, 2)
    assert home["days"] == Decimal("3.0") and home["amount"] == Decimal("160.00")
    assert savings["saved_trips"] == 2  # the window application saved nothing
    assert {r["key"]: r["n"] for r in stats["by_channel"]} == {"home": 1, "window": 1}


def test_resident_scoping_of_applications(personas: dict[str, User],
                                          regions: dict[str, str]) -> None:
    resident = personas["resident"]
    number = make_id_number()
    User.objects.filter(pk=resident.pk).update(id_number=number,
                                               id_number_index=blind_index(number))
    resident.refresh_from_db()
    mine = submit(resident, type="new", channel="online", region=regions["village_a"],
                  id_number=number)
    submit(personas["county_staff"], type="new", channel="window",
           region=regions["village_a"], id_number=make_id_number())
    assert list(Application.objects.visible_to(resident)) == [mine]


def test_person_360_page_lists_the_persons_certificate_applications(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """The 360° page (issue #3) shows every certificate application of the person, with its
    current step and deadline; a township officer of another township gets 404 for the page."""
    person = holder(regions["village_a"])
    app = submit(personas["county_staff"], type="renewal", channel="window",
                 region=regions["village_a"], person=person)
    client.force_login(personas["village_liaison"])
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "证件办理记录" in page
    assert app.reference in page and "换领" in page
    assert app.get_step_display() in page
    other = Client()
    other.force_login(personas["liaison_b"])
    assert other.get(reverse("registry:person_detail", args=[person.pk])).status_code == 404


def _ticked(html: str) -> set[str]:
    import re

    return {m.group(1) for m in re.finditer(r'<input type="checkbox" name="received" '
                                             r'value="(\w+)"[^>]*checked', html)}


def test_acceptance_checklist_starts_from_what_was_uploaded(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """受理: the materials checklist ticks only what the applicant actually uploaded (and what
    an earlier check recorded as received), never everything by default (issue 16 item 15)."""
    staff = personas["county_staff"]
    app = submit(staff, type="new", channel="window", region=regions["village_a"],
                 id_number=make_id_number())
    client.force_login(staff)
    url = reverse("certificates:application_action", args=[app.pk, "accept"])
    assert _ticked(client.get(url).content.decode()) == set()
    services.document_upload(actor=staff, application=app, kind="photo", name="p.png",
                             content=b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    services.document_upload(actor=staff, application=app, kind="other", name="o.pdf",
                             content=b"%PDF-1.7 x")
    assert _ticked(client.get(url).content.decode()) == {"photo"}
    # told once: the id card and the hukou book were handed over, photo and medical missing
    _act(client, app, "accept", received=["id_card", "hukou"])
    app.refresh_from_db()
    assert sorted(app.materials_missing) == ["medical", "photo"]
    assert _ticked(client.get(url).content.decode()) == {"id_card", "hukou", "photo"}
