"""Maker-checker (issue #3 §3): a village liaison officer's edit is a change request that
township staff approve or return; a request whose record changed meanwhile is a conflict."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from canlian.core.models import User
from canlian.registry.forms import person_initial
from canlian.registry.models import ChangeStatus, Person, PersonChangeRequest
from canlian.registry.tests.factories import make_person


def _form_data(person: Person, **changes: str) -> dict[str, str]:
    data = {k: ("" if v is None else v) for k, v in person_initial(person).items()}
    data.pop("components")
    data.update(changes)
    return data


@pytest.fixture
def person(regions: dict[str, str]) -> Person:
    return make_person(region_code=regions["village_a"], name="吴九", category=4, grade=3,
                       address="旧址")


def test_liaison_edit_waits_for_township_approval(person: Person, personas: dict[str, User],
                                                  client: Client) -> None:
    client.force_login(personas["village_liaison"])
    response = client.post(reverse("registry:person_edit", args=[person.pk]),
                           _form_data(person, address="新址"))
    change = PersonChangeRequest.objects.get()
    assert response.url == reverse("registry:change_detail", args=[change.pk])
    assert Person.objects.get(pk=person.pk).address == "旧址"  # not applied yet

    client.force_login(personas["township_staff"])
    page = client.get(reverse("registry:change_detail", args=[change.pk]))
    assert [line["new"] for line in page.context["lines"]] == ["新址"]
    client.post(reverse("registry:change_detail", args=[change.pk]), {"decision": "approve"})
    assert Person.objects.get(pk=person.pk).address == "新址"
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (ChangeStatus.APPROVED,
                                                  personas["township_staff"])


def test_change_on_a_record_changed_meanwhile_is_a_conflict(
    person: Person, personas: dict[str, User], client: Client
) -> None:
    client.force_login(personas["village_liaison"])
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, address="村里报的新址"))
    client.force_login(personas["county_staff"])
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, address="县里改的地址"))
    change = PersonChangeRequest.objects.get()
    client.force_login(personas["township_staff"])
    client.post(reverse("registry:change_detail", args=[change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING and change.is_conflict
    assert Person.objects.get(pk=person.pk).address == "县里改的地址"


def test_return_needs_a_reason(person: Person, personas: dict[str, User],
                               client: Client) -> None:
    client.force_login(personas["village_liaison"])
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, address="新址"))
    change = PersonChangeRequest.objects.get()
    client.force_login(personas["township_staff"])
    url = reverse("registry:change_detail", args=[change.pk])
    client.post(url, {"decision": "reject", "note": ""})
    assert PersonChangeRequest.objects.get().status == ChangeStatus.PENDING
    client.post(url, {"decision": "reject", "note": "地址与户籍不符"})
    change.refresh_from_db()
    assert (change.status, change.decision_note) == (ChangeStatus.REJECTED, "地址与户籍不符")


def test_other_village_liaison_cannot_see_the_request(person: Person, personas: dict[str, User],
                                                      client: Client) -> None:
    client.force_login(personas["village_liaison"])
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, address="新址"))
    change = PersonChangeRequest.objects.get()
    client.force_login(personas["liaison_b"])
    assert client.get(reverse("registry:change_detail", args=[change.pk])).status_code == 404
