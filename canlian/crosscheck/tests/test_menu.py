"""Township staff find 数据比对 in the menu (DESIGN.md "Users and their rooms": own township):
their township's findings and the questionnaire's completion per village, nothing beyond."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from canlian.core.models import User
from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
from canlian.crosscheck.survey import questionnaire_load, survey_response_save
from canlian.crosscheck.tests.helpers import import_list
from canlian.registry.tests.factories import make_disabled_person


def test_township_staff_reach_crosscheck_from_the_menu_for_their_township_only(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    staff = personas["county_staff"]
    questionnaire = questionnaire_load(text=SHIPPED.read_text(encoding="utf-8")).questionnaire
    in_a = [make_disabled_person(region_code=regions["village_a"], name=f"甲{i}") for i in range(2)]
    in_b = make_disabled_person(region_code=regions["village_b"], name="乙")
    import_list(staff, "deaths", [[p.name, p.id_number, "2026-01-15", ""] for p in [*in_a, in_b]])
    survey_response_save(actor=personas["village_liaison"], questionnaire=questionnaire,
                         person=in_a[0], raw={"R0": "1", "R3": "1"})

    client.force_login(personas["township_staff"])  # 楚米镇 (village A), not 松坎镇 (B)
    menu = client.get(reverse("core:home")).context["menu"]
    assert "crosscheck" in {m.key for m in menu}
    entry = client.get(reverse("core:module", args=["crosscheck"]))
    assert entry.url == reverse("crosscheck:overview")
    overview = client.get(entry.url)
    assert [(r.code, r.total) for r in overview.context["rows"]] == [
        (regions["township_a"][:9], 2)]
    assert reverse("crosscheck:dataset_list") not in overview.content.decode()
    findings = client.get(reverse("crosscheck:finding_list")).context["page"]
    assert {f.person_id for f in findings} == {p.pk for p in in_a}
    rates = client.get(reverse("crosscheck:survey_home")).context["rates"]
    assert all(r.code.startswith(regions["township_a"][:9]) for r in rates)
    village_a = next(r for r in rates if r.code == regions["village_a"])
    assert (village_a.persons, village_a.done) == (2, 1)
    assert client.get(reverse("crosscheck:dataset_list")).status_code == 403
