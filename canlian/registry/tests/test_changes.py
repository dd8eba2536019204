"""Maker-checker (issue #3 §3): a village liaison officer's edit is a change request that
township staff approve or return; a request whose record changed meanwhile is a conflict.
Which field groups wait is set per county by its system administrator."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User
from canlian.registry.changes import (
    FIELD_GROUPS,
    change_approval_settings_save,
    groups_needing_approval,
)
from canlian.registry.forms import COLUMNS as FORM_COLUMNS
from canlian.registry.forms import person_initial
from canlian.registry.models import (
    ChangeApprovalSetting,
    ChangeStatus,
    FieldGroup,
    Person,
    PersonChangeRequest,
)
from canlian.registry.rows import COLUMNS
from canlian.registry.tests.factories import make_id_number, make_person


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


# ------------------------------------------------------------ per-county settings by field group


def _set(client: Client, admin: User, **groups: str) -> None:
    """The county administrator's settings page; unnamed groups keep needing approval."""
    client.force_login(admin)
    data = {group: "approve" for group in FieldGroup.values} | groups
    assert client.post(reverse("registry:approval_settings"), data).status_code == 302


def test_county_admin_sets_a_group_to_apply_directly_and_it_is_audited(
    personas: dict[str, User], client: Client
) -> None:
    _set(client, personas["county_admin"], contact="direct")
    assert groups_needing_approval("520322000000") == frozenset(FieldGroup.values) - {"contact"}
    setting = ChangeApprovalSetting.objects.get()
    assert setting.history.first().history_user == personas["county_admin"]
    event = AuditEvent.objects.get(object_type="registry.changeapprovalsetting")
    assert event.changes == {"联系方式与监护人": ["须审核", "直接生效"]}
    page = client.get(reverse("registry:approval_settings"))
    assert page.context["form"]["contact"].value() == "direct"


def test_liaison_edit_of_a_direct_group_applies_at_once(
    person: Person, personas: dict[str, User], client: Client
) -> None:
    _set(client, personas["county_admin"], contact="direct")
    client.force_login(personas["village_liaison"])
    response = client.post(reverse("registry:person_edit", args=[person.pk]),
                           _form_data(person, phone="13912345678"))
    assert response.url == reverse("registry:person_detail", args=[person.pk])
    assert not PersonChangeRequest.objects.exists()
    person.refresh_from_db()
    assert person.phone == "13912345678"
    assert person.history.order_by("-history_id").first().history_user == \
        personas["village_liaison"]


def test_edit_touching_both_kinds_of_group_is_split(
    person: Person, personas: dict[str, User], client: Client
) -> None:
    _set(client, personas["county_admin"], contact="direct")
    client.force_login(personas["village_liaison"])
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, phone="13912345678", address="新址"))
    person.refresh_from_db()
    assert (person.phone, person.address) == ("13912345678", "旧址")
    change = PersonChangeRequest.objects.get()
    client.force_login(personas["township_staff"])
    page = client.get(reverse("registry:change_detail", args=[change.pk]))
    assert [line["column"] for line in page.context["lines"]] == ["现住址"]
    client.post(reverse("registry:change_detail", args=[change.pk]), {"decision": "approve"})
    person.refresh_from_db()
    assert (person.phone, person.address) == ("13912345678", "新址")


def test_a_direct_edit_after_a_request_makes_the_request_a_conflict(
    person: Person, personas: dict[str, User], client: Client
) -> None:
    """Conflict detection stays: the request was made on a version that has since changed."""
    _set(client, personas["county_admin"], contact="direct")
    client.force_login(personas["village_liaison"])
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, address="新址"))
    person.refresh_from_db()
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, phone="13912345678"))
    change = PersonChangeRequest.objects.get()
    client.force_login(personas["township_staff"])
    client.post(reverse("registry:change_detail", args=[change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert change.is_conflict and change.status == ChangeStatus.PENDING
    assert Person.objects.get(pk=person.pk).address == "旧址"


def test_settings_belong_to_one_county(person: Person, personas: dict[str, User],
                                       client: Client) -> None:
    _set(client, personas["other_county_admin"], contact="direct")  # 汉阴县
    client.force_login(personas["village_liaison"])  # 桐梓县
    client.post(reverse("registry:person_edit", args=[person.pk]),
                _form_data(person, phone="13912345678"))
    assert PersonChangeRequest.objects.count() == 1
    assert Person.objects.get(pk=person.pk).phone == ""


def test_new_person_waits_if_any_group_it_fills_waits(
    personas: dict[str, User], regions: dict[str, str], client: Client
) -> None:
    def create(name: str, **extra: str) -> None:
        client.post(reverse("registry:person_create"), {
            "name": name, "id_number": make_id_number(), "region": regions["village_a"],
            "living_status": "正常", "needs_long_term_care": "否", **extra})

    _set(client, personas["county_admin"], basic="direct", hukou="direct", living="direct",
         disability="direct")
    client.force_login(personas["village_liaison"])
    create("直接建档")
    assert Person.objects.filter(name="直接建档").exists()
    create("待审建档", phone="13912345678")  # 联系方式 still waits
    assert not Person.objects.filter(name="待审建档").exists()
    assert PersonChangeRequest.objects.get().name == "待审建档"


def test_only_the_county_admin_changes_the_settings(personas: dict[str, User]) -> None:
    with pytest.raises(DomainError):
        change_approval_settings_save(actor=personas["township_staff"],
                                      needs_approval={"contact": False})
    assert not ChangeApprovalSetting.objects.exists()


def test_every_form_column_belongs_to_exactly_one_group() -> None:
    assigned = [column for columns in FIELD_GROUPS.values() for column in columns]
    assert sorted(assigned) == sorted(COLUMNS)
    assert set(COLUMNS) == set(FORM_COLUMNS.values())
