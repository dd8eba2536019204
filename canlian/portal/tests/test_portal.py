"""The resident portal: apply online for self or a ward, upload, follow each step with its
date, notices (in-app and SMS via the console/memory backend), no access to others' records."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from canlian.certificates import services, workflow
from canlian.certificates.models import Application, Notice, Status
from canlian.certificates.tests.helpers import run_to_end
from canlian.core import sms
from canlian.core.crypto import blind_index
from canlian.core.models import User
from canlian.registry.tests.factories import make_id_number


@pytest.fixture
def linked_resident(personas: dict[str, User]) -> User:
    resident = personas["resident"]
    number = make_id_number()
    User.objects.filter(pk=resident.pk).update(id_number=number,
                                               id_number_index=blind_index(number))
    resident.refresh_from_db()
    return resident


def _apply(client: Client, regions: dict[str, str], **data: Any) -> Any:
    values = {"applicant": "self", "type": "new", "region": regions["village_a"],
              "declared_category": "4", "phone": "13900001234", **data}
    return client.post(reverse("portal:apply"), values, follow=True)


def test_resident_applies_uploads_and_sees_each_step_until_issued(
        personas: dict[str, User], regions: dict[str, str], client: Client,
        linked_resident: User, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.SMS_BACKEND = "canlian.core.sms.MemoryBackend"
    sms.outbox.clear()
    client.force_login(linked_resident)
    page = _apply(client, regions).content.decode()
    assert "申请已提交" in page
    app = Application.objects.get(id_number_index=linked_resident.id_number_index)
    assert app.channel == "online" and app.trips == 0
    upload = SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"1" * 100, "image/png")
    client.post(reverse("portal:application_detail", args=[app.pk]),
                {"kind": "photo", "file": upload})
    fake = SimpleUploadedFile("病历.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client.post(reverse("portal:application_detail", args=[app.pk]),
                           {"kind": "medical", "file": fake})
    assert "只能上传 JPG、PNG 图片或 PDF 文件" in response.content.decode()
    assert app.documents.count() == 1
    doc = app.documents.get()
    assert client.get(reverse("portal:document_download", args=[app.pk, doc.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # SMS goes out after commit
        run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                   assessor=personas["assessor"], grade=3)
    home = client.get(reverse("portal:home")).content.decode()
    assert "已发证" in home
    detail = client.get(reverse("portal:application_detail", args=[app.pk])).content.decode()
    for label in ("申请", "受理", "评定", "公示", "县残联审核", "制证", "发放"):
        assert f"<strong>{label}</strong>" in detail
    titles = list(Notice.objects.filter(recipient=linked_resident).values_list("title",
                                                                               flat=True))
    assert "已发证" in titles and "申请已受理" in titles
    assert any("已发证" in m.text for m in sms.outbox)
    assert all(m.phone == "13900001234" for m in sms.outbox)
    client.get(reverse("portal:notices"))
    assert not Notice.objects.filter(recipient=linked_resident, read_at__isnull=True).exists()


def test_guardian_applies_for_a_verified_ward_with_guardianship_on_the_checklist(
        personas: dict[str, User], regions: dict[str, str], client: Client,
        linked_resident: User) -> None:
    from canlian.registry import guardians

    client.force_login(linked_resident)
    ward = make_id_number()  # a child not yet in the registry: a first certificate
    link = guardians.guardian_link_request(actor=linked_resident, name="小明", id_number=ward,
                                           relation="监护人")
    guardians.guardian_link_verify(actor=personas["township_staff"], link=link)
    _apply(client, regions, applicant=f"ward-{link.pk}")
    app = Application.objects.get(id_number_index=blind_index(ward))
    assert app.submitted_by == linked_resident and app.applicant_relation == "监护人"
    assert app.name == "小明"
    assert "guardianship" in workflow.materials_required(app)


def test_resident_cannot_apply_as_self_for_someone_else(personas: dict[str, User],
                                                        regions: dict[str, str]) -> None:
    resident = personas["resident"]  # no ID number on the account
    with pytest.raises(services.DomainError):
        services.application_submit(actor=resident, type="new", channel="online", name="某",
                                    id_number=make_id_number(),
                                    region_code=regions["village_a"], declared_category=4)


def test_error_summary_names_the_missing_fields(regions: dict[str, str], client: Client,
                                                linked_resident: User) -> None:
    client.force_login(linked_resident)
    page = client.get(reverse("portal:apply"), {"type": "", "applicant": "self"})
    assert "办理事项：" in page.content.decode()
    page = _apply(client, regions, region="", declared_category="").content.decode()
    assert "户籍所在村（社区）：" in page and "残疾类别：" in page
    assert not Application.objects.exists()


def test_another_residents_application_is_404(personas: dict[str, User],
                                              regions: dict[str, str], client: Client,
                                              linked_resident: User, make_user: Any) -> None:
    client.force_login(linked_resident)
    _apply(client, regions)
    app = Application.objects.get()
    other = make_user("resident", regions["village_b"], username="other_resident")
    client.force_login(other)
    assert client.get(reverse("portal:application_detail", args=[app.pk])).status_code == 404
    assert "已发证" not in client.get(reverse("portal:home")).content.decode()
    assert app.status == Status.SUBMITTED


QUESTIONS = {"declared_category": "残疾类别", "renewal_reason": "换领原因",
             "cancel_reason": "注销原因", "destination": "迁往地",
             "previous_certificate_number": "原残疾人证号"}


def _asked(page: str) -> set[str]:
    return {name for name in QUESTIONS if f'name="{name}"' in page}


@pytest.mark.parametrize(("type", "expected"), [
    ("new", {"declared_category"}), ("reassessment", {"declared_category"}),
    ("renewal", {"renewal_reason"}), ("replacement", set()),
    ("transfer_in", {"previous_certificate_number"}), ("transfer_out", {"destination"}),
    ("cancellation", {"cancel_reason"})])
def test_the_form_asks_only_the_questions_of_the_chosen_type(
        type: str, expected: set[str], regions: dict[str, str], client: Client,
        linked_resident: User) -> None:
    """Issue 16 item 14: a first step (a plain GET form, no scripts) chooses the type and the
    person; the second shows that type's questions only."""
    client.force_login(linked_resident)
    first = client.get(reverse("portal:apply")).content.decode()
    assert _asked(first) == set() and 'name="type"' in first and 'method="get"' in first
    second = client.get(reverse("portal:apply"), {"type": type, "applicant": "self"})
    page = second.content.decode()
    assert _asked(page) == expected
    assert 'type="hidden" name="type"' in page and 'name="region"' in page
    change = client.get(reverse("portal:apply"),
                        {"type": type, "applicant": "self", "change": "1"}).content.decode()
    assert _asked(change) == set() and "selected" in change


def test_a_duplicate_application_is_named_above_the_form_not_on_a_blank_field(
        regions: dict[str, str], client: Client, linked_resident: User) -> None:
    client.force_login(linked_resident)
    _apply(client, regions)
    page = _apply(client, regions).content.decode()
    summary = page[page.index('class="error-summary"'):page.index("</ul>", page.index(
        'class="error-summary"'))]
    assert "<li>该人员已有正在办理的残疾人证申请，请等待办结后再申请。</li>" in summary
    assert page.count("field--error") == 0
    assert Application.objects.count() == 1


def test_the_home_page_says_the_date_is_the_current_steps_deadline(
        regions: dict[str, str], client: Client, linked_resident: User) -> None:
    """"预计 … 前办完" was the acceptance deadline: say it is this step's time limit."""
    client.force_login(linked_resident)
    _apply(client, regions)
    app = Application.objects.get()
    home = client.get(reverse("portal:home")).content.decode()
    assert "预计" not in home
    assert f"本环节时限：{app.step_due_on.year}年{app.step_due_on.month}月" \
           f"{app.step_due_on.day}日 前完成受理" in home
