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


def test_guardian_applies_for_a_ward_with_guardianship_on_the_checklist(
        regions: dict[str, str], client: Client, linked_resident: User) -> None:
    client.force_login(linked_resident)
    ward = make_id_number()
    _apply(client, regions, applicant="other", name="小明", id_number=ward, relation="监护人")
    app = Application.objects.get(id_number_index=blind_index(ward))
    assert app.submitted_by == linked_resident and app.applicant_relation == "监护人"
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
    page = _apply(client, regions, applicant="other", type="").content.decode()
    assert "残疾人姓名：请填写残疾人姓名。" in page
    assert "办理事项：" in page
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
