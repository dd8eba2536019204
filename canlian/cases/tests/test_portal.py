"""The resident portal (issue #7 item 4): a resident submits 求助 or 建议 with optional
attachments, follows it, reads the reply and rates it; never sees another household's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from canlian.cases import services
from canlian.cases.models import Case, CaseSource, CaseStatus
from canlian.cases.tests.helpers import disabled, federations
from canlian.core.crypto import blind_index
from canlian.core.models import User

pytestmark = pytest.mark.django_db


def _link(resident: User, person: object) -> None:
    number = person.id_number  # type: ignore[attr-defined]
    User.objects.filter(pk=resident.pk).update(id_number=number,
                                               id_number_index=blind_index(number))
    resident.refresh_from_db()


def test_a_resident_asks_for_help_follows_it_and_rates_the_reply(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    resident = personas["resident"]
    me = disabled(regions["village_a"], name="黄小梅")
    _link(resident, me)
    client = login(resident)
    assert "求助与建议" in client.get(reverse("portal:home")).content.decode()
    empty = client.post(reverse("portal:request_create"), {"source": "help"})
    assert "事项类别" in empty.content.decode() and not Case.objects.exists()
    response = client.post(reverse("portal:request_create"), {
        "source": "help", "about": f"member-{me.pk}", "category": "accessibility",
        "title": "家门口台阶太高", "description": "轮椅进不了门，希望做无障碍改造。",
        "contact_phone": "13800001111",
        "attachments": [SimpleUploadedFile("门口.png", b"\x89PNG\r\n\x1a\n" + b"0" * 40)]})
    case = Case.objects.get()
    assert response.url == reverse("portal:request_detail", args=[case.pk])
    assert (case.person, case.source, case.submitted_by) == (me, CaseSource.HELP, resident)
    attachment = case.attachments.get()
    assert client.get(reverse("portal:request_attachment",
                              args=[case.pk, attachment.pk])).status_code == 200
    assert "家门口台阶太高" in client.get(reverse("portal:request_list")).content.decode()

    staff = personas["township_staff"]
    services.case_accept(actor=staff, case=case)
    services.case_start(actor=staff, case=case)
    services.case_conclude(actor=staff, case=case, reply="已安排无障碍改造，下周施工。")
    page = client.get(reverse("portal:request_detail", args=[case.pk])).content.decode()
    assert "已安排无障碍改造" in page and "请您评价办理结果" in page
    assert staff.name not in page  # the portal shows steps, not officers' names
    client.post(reverse("portal:request_detail", args=[case.pk]),
                {"form": "rate", "version": case.version + 0, "satisfaction": "satisfied"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED and case.satisfaction == "satisfied"


def test_a_resident_can_only_suggest_or_ask_for_help_and_sees_only_their_own(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    resident = personas["resident"]
    with pytest.raises(Exception) as error:
        services.case_register(actor=resident, source=CaseSource.PETITION, category="legal",
                               title="信访", description="x", region_code=regions["village_a"])
    assert "求助或建议" in str(error.value)
    suggestion = services.case_register(actor=resident, source=CaseSource.SUGGESTION,
                                        category="other", title="建议", description="多办培训",
                                        region_code=regions["village_a"])
    other = services.case_register(actor=personas["county_staff"], source=CaseSource.HELP,
                                   category="care", title="别人的", description="x",
                                   region_code=regions["village_a"])
    client = login(resident)
    assert client.get(reverse("portal:request_detail", args=[suggestion.pk])).status_code == 200
    assert client.get(reverse("portal:request_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("api:case_detail", args=[other.pk])).status_code == 404
    assert date.today()


def test_a_resident_rates_a_case_the_liaison_registered_for_them_after_a_visit(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    resident = personas["resident"]
    me = disabled(regions["village_a"])
    _link(resident, me)
    case = services.case_register(actor=personas["village_liaison"], source=CaseSource.VISIT,
                                  category="device", title="走访发现：辅具", description="轮椅",
                                  person=me)
    staff = personas["township_staff"]
    services.case_accept(actor=staff, case=case)
    services.case_start(actor=staff, case=case)
    services.case_conclude(actor=staff, case=case, reply="已发放轮椅。")
    client = login(resident)
    assert "请您评价" in client.get(reverse("portal:request_list")).content.decode()
    client.post(reverse("portal:request_detail", args=[case.pk]),
                {"form": "rate", "version": case.version, "satisfaction": "dissatisfied",
                 "note": "轮椅太窄"})
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.reopen_count == 1
