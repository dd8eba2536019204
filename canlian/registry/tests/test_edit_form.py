"""Issue 16 §4: the edit form never shows a full identifier. Each shows masked in its help text
and its field starts empty: typing a value replaces it, leaving it empty keeps it."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from canlian.core.idnumbers import mask_phone
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.registry.models import Household, Person
from canlian.registry.tests.factories import make_id_number, make_person


def _form_data(page: object) -> dict[str, object]:
    form = page.context["form"]  # type: ignore[attr-defined]
    data = {name: ("" if form[name].value() is None else form[name].value())
            for name in form.fields if name not in ("components", "id_number")}
    return {k: v for k, v in data.items() if v is not False}


def test_edit_form_masks_identifiers_and_keeps_them_when_left_empty(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    head = make_person(region_code=regions["village_a"], name="户主")
    guardian_id = make_id_number()
    person = make_person(region_code=regions["village_a"], name="编辑对象",
                         household=Household.objects.get(head=head), relation_to_head="子女",
                         phone="13912345678", guardian_name="监护人",
                         guardian_id_number=guardian_id, guardian_phone="13800001111")
    client.force_login(personas["county_staff"])
    page = client.get(reverse("registry:person_edit", args=[person.pk]))
    html = page.content.decode()
    for full in (person.id_number, "13912345678", head.id_number, guardian_id, "13800001111"):
        assert full not in html
    assert mask_phone("13912345678") in html
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()

    data = _form_data(page) | {"address": "新住址"}
    assert client.post(reverse("registry:person_edit", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert (person.address, person.phone, person.household.head_id, person.guardian_id_number
            ) == ("新住址", "13912345678", head.pk, guardian_id)

    data["phone"] = "13700002222"
    client.post(reverse("registry:person_edit", args=[person.pk]), data)
    assert Person.objects.get(pk=person.pk).phone == "13700002222"

    data["becomes_head"] = "on"
    data["relation_to_head"] = ""
    client.post(reverse("registry:person_edit", args=[person.pk]), data)
    person.refresh_from_db()
    assert person.household.head_id == person.pk
