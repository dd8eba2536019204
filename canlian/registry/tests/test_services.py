"""The one write path of the registry: persons_upsert (issue #3 §1, §4)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.idnumbers import build_certificate_number, mask_id_number
from canlian.core.models import AuditAction, AuditEvent, Region, User
from canlian.registry.models import HouseholdStatus, Person
from canlian.registry.prepare import Memo
from canlian.registry.rows import parse_rows
from canlian.registry.selectors import hardships_of, person_history
from canlian.registry.services import PERSON_FIELDS, person_save, persons_upsert
from canlian.registry.tests.factories import make_id_number, make_person
from canlian.registry.tests.helpers import HEADER, parsed, row


@pytest.fixture
def ids() -> dict[str, str]:
    return {"head": make_id_number(date(1960, 5, 1)), "child": make_id_number(date(2015, 3, 1)),
            "other": make_id_number(date(1990, 7, 7), female=True)}


def test_upsert_creates_then_changes_nothing_the_second_time(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    village = regions["village_a"]
    rows = parsed([row("王大山", ids["head"], village, category="肢体", grade="二级"),
                   row("王小山", ids["child"], village, category="智力", grade="一级",
                       head=ids["head"], relation="子女")])
    first = persons_upsert(actor=personas["county_staff"], rows=rows)
    assert (first.created, first.updated, first.unchanged, first.errors) == (2, 0, 0, [])
    audit_rows = AuditEvent.objects.count()
    second = persons_upsert(actor=personas["county_staff"], rows=rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.count() == audit_rows
    head, child = Person.objects.get(name="王大山"), Person.objects.get(name="王小山")
    assert head.household_id == child.household_id is not None
    assert head.household.head == head and child.relation_to_head == "子女"
    # Birth date and sex come from the ID number (DOMAIN.md §0.1).
    assert (head.birth_date, head.sex) == (date(1960, 5, 1), "M")


def test_change_is_kept_in_history_and_audit_with_old_and_new(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    village = regions["village_a"]
    persons_upsert(actor=personas["county_staff"],
                   rows=parsed([row("李四", ids["other"], village, phone="13912345678")]))
    persons_upsert(actor=personas["township_staff"],
                   rows=parsed([row("李四", ids["other"], village, phone="13700001111")]))
    person = Person.objects.get(name="李四")
    assert person.history.count() >= 2
    latest = person.history.order_by("-history_id").first()
    assert latest.history_user == personas["township_staff"]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(person.pk))
    assert event.changes["phone"] == ["139****5678", "137****1111"]


def test_dibao_is_a_period_answerable_for_past_months(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    village = regions["village_a"]
    with time_machine.travel(date(2026, 3, 15)):
        persons_upsert(actor=personas["county_staff"],
                       rows=parsed([row("赵五", ids["other"], village, dibao="是")]))
    with time_machine.travel(date(2026, 7, 2)):
        persons_upsert(actor=personas["county_staff"],
                       rows=parsed([row("赵五", ids["other"], village, dibao="否")]))
    period = HouseholdStatus.objects.get()
    assert (period.start_month, period.end_month) == (date(2026, 3, 1), date(2026, 6, 1))
    statuses = HouseholdStatus.objects.filter(household=period.household)
    assert statuses.active_in_month(date(2026, 6, 1)).exists()
    assert not statuses.active_in_month(date(2026, 7, 1)).exists()
    assert not statuses.active_in_month(date(2026, 2, 1)).exists()


def test_rows_outside_jurisdiction_write_nothing(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    rows = parsed([row("甲", ids["head"], regions["village_a"]),
                   row("乙", ids["other"], regions["village_b"])])
    result = persons_upsert(actor=personas["township_staff"], rows=rows)  # 楚米镇 officer
    assert [(e.row, e.column) for e in result.errors] == [(3, "户籍地区划代码")]
    assert not Person.objects.exists()


def test_member_whose_head_is_unknown_is_an_error(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    rows = parsed([row("丙", ids["child"], regions["village_a"], head=ids["head"],
                       relation="子女")])
    result = persons_upsert(actor=personas["county_staff"], rows=rows)
    assert result.errors[0].column == "户主身份证号"
    assert not Person.objects.exists()


def test_grade_change_on_a_certificate_goes_through_the_certificate_workflow(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    village = regions["village_a"]
    cert = build_certificate_number(id_number=ids["other"], category=4, grade=3)
    person = person_save(actor=personas["county_staff"], row=parsed([row(
        "钱七", ids["other"], village, category="肢体", grade="三级", certificate=cert,
        issued="2020-01-01", valid_until="2030-01-01")])[0])
    new_cert = build_certificate_number(id_number=ids["other"], category=4, grade=2)
    with pytest.raises(DomainError, match="证件办理"):
        person_save(actor=personas["county_staff"], person=person, row=parsed([row(
            "钱七", ids["other"], village, category="肢体", grade="二级", certificate=new_cert,
            issued="2020-01-01", valid_until="2030-01-01")])[0])
    assert Person.objects.get(pk=person.pk).grade == 3


def test_hardship_flags_on_crafted_households(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    """濮阳县残联改革方案 (seed 004): 一户多残, 老残一体, 孤残, 重残, 多重残疾 — derived."""
    village = regions["village_a"]
    staff = personas["county_staff"]
    elder = make_id_number(date(1950, 1, 1))
    elder_partner = make_id_number(date(1952, 1, 1), female=True)
    persons_upsert(actor=staff, rows=parsed([
        row("老一", elder, village, category="视力", grade="二级"),
        row("老二", elder_partner, village, head=elder, relation="配偶"),
    ]))
    assert set(hardships_of(Person.objects.get(name="老一"))) == {"老残一体", "重残"}

    # A disabled child alone in the registry: no living adult recorded in the household.
    orphan = make_id_number(date(2016, 1, 1))
    result = parse_rows([*HEADER, "多重残疾类别"],
                        [[*row("小孤", orphan, village, category="多重", grade="三级"),
                          "肢体、智力"]])
    persons_upsert(actor=staff, rows=result.rows)
    assert set(hardships_of(Person.objects.get(name="小孤"))) == {"孤残", "多重残疾"}

    a, b, worker = (make_id_number(date(1985, 1, 1)), make_id_number(date(2010, 1, 1)),
                    make_id_number(date(1983, 1, 1), female=True))
    persons_upsert(actor=staff, rows=parsed([
        row("多甲", a, village, category="听力", grade="四级"),
        row("多乙", b, village, category="言语", grade="四级", head=a, relation="子女"),
        row("多丙", worker, village, head=a, relation="配偶"),
    ]))
    assert hardships_of(Person.objects.get(name="多乙")) == ["一户多残"]


def test_created_person_gets_the_audit_row_the_audit_log_writes_for_a_creation(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    """DESIGN.md "Security": every write is audited, identifiers masked (DOMAIN.md §7.2)."""
    persons_upsert(actor=personas["county_staff"], rows=parsed([
        row("孙一", ids["other"], regions["village_a"], phone="13912345678", category="肢体",
            grade="二级", dibao="是")]))
    person = Person.objects.get()
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(person.pk))
    assert event.changes == audit.created(person, PERSON_FIELDS)
    assert event.changes["id_number"][1] == mask_id_number(ids["other"])
    assert (event.actor, event.region_code) == (personas["county_staff"], regions["village_a"])


def test_import_writes_history_of_persons_households_and_dibao_periods(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    staff = personas["county_staff"]
    persons_upsert(actor=staff, rows=parsed([
        row("钱一", ids["head"], regions["village_a"], phone="13912345678", dibao="是"),
        row("钱二", ids["child"], regions["village_a"], head=ids["head"], relation="子女")]))
    head, child = Person.objects.get(name="钱一"), Person.objects.get(name="钱二")
    [created] = head.history.all()
    assert (created.history_type, created.history_user) == ("+", staff)
    # The history row is the whole record, identifiers readable like the person's own.
    assert (created.id_number, created.phone) == (ids["head"], "13912345678")
    assert created.household_id == head.household_id == child.household_id
    assert head.household.history.get().head_id == head.pk
    period = HouseholdStatus.objects.get(household=head.household)
    assert period.history.get().history_user == staff


def test_registered_person_named_as_head_gets_a_household(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    """户主身份证号 naming a registered person without a household makes them its head."""
    head = make_person(region_code=regions["village_a"], name="周户主", head=False,
                       id_number=ids["head"])
    assert head.household_id is None
    persons_upsert(actor=personas["county_staff"], rows=parsed([
        row("周成员", ids["child"], regions["village_a"], head=ids["head"], relation="子女")]))
    head.refresh_from_db()
    member = Person.objects.get(name="周成员")
    assert head.household_id == member.household_id is not None
    assert head.household.head_id == head.pk
    assert head.history.order_by("-history_id").first().household_id == head.household_id


def test_upsert_queries_do_not_grow_with_the_number_of_rows(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    """DESIGN.md "Heavy work": set-based, never a query per person."""
    def households(count: int) -> list[list[str]]:
        rows = []
        for _ in range(count):
            head, member = make_id_number(date(1960, 1, 1)), make_id_number(date(2000, 1, 1))
            rows += [row("头", head, regions["village_a"], dibao="是", phone="13912345678"),
                     row("员", member, regions["village_a"], head=head, relation="子女")]
        return rows

    def queries(count: int) -> int:
        rows = parsed(households(count))
        with CaptureQueriesContext(connection) as captured:
            persons_upsert(actor=personas["county_staff"], rows=rows)
        return len(captured)

    assert queries(3) == queries(150)


def test_ethnicity_education_and_employment_are_kept_with_their_history(
    personas: dict[str, User], regions: dict[str, str], ids: dict[str, str]
) -> None:
    header = [*HEADER, "民族", "文化程度", "就业状况"]
    first = parse_rows(header, [[*row("吴一", ids["other"], regions["village_a"]),
                                 "苗族", "小学", "农村种养加"]]).rows
    persons_upsert(actor=personas["county_staff"], rows=first)
    # A file without these columns leaves them as they are.
    persons_upsert(actor=personas["county_staff"],
                   rows=parsed([row("吴一", ids["other"], regions["village_a"])]))
    person = Person.objects.get()
    assert (person.ethnicity, person.education, person.employment_status) == (
        "苗族", "小学", "农村种养加")
    second = parse_rows(header, [[*row("吴一", ids["other"], regions["village_a"]),
                                  "苗族", "初中", "灵活就业"]]).rows
    persons_upsert(actor=personas["township_staff"], rows=second)
    [latest] = person_history(person)[:1]
    assert {(c["field"], c["old"], c["new"]) for c in latest["changes"]} == {
        ("文化程度", "小学", "初中"), ("就业状况", "农村种养加", "灵活就业")}
    event = AuditEvent.objects.get(action=AuditAction.UPDATE)
    assert event.changes == {"education": ["小学", "初中"],
                             "employment_status": ["农村种养加", "灵活就业"]}


def test_region_of_registered_persons_cannot_be_deleted(
    regions: dict[str, str], ids: dict[str, str]
) -> None:
    """Person.region and Household.region have no database constraint (the import's commit
    checked every person against the region table; REGION_WITHOUT_CONSTRAINT in models.py):
    the application still refuses to delete a region persons and households are registered in.
    """
    persons_upsert(actor=None, rows=parsed([row("孙一", ids["other"], regions["village_a"])]))
    with pytest.raises(ProtectedError):
        Region.objects.get(code=regions["village_a"]).delete()
    assert Person.objects.get().region_id == regions["village_a"]


@pytest.mark.parametrize("components", [[], [1, 4]])
def test_an_imported_persons_audit_text_is_what_the_audit_log_writes(
    regions: dict[str, str], ids: dict[str, str], components: list[int]
) -> None:
    """The write path builds a created person's audit JSON itself (prepare.Memo.created), for
    speed: it is the very text json.dumps(audit.created(...)) gives (DESIGN.md "Security")."""
    person = Person(name="孙一", name_initials="sy", id_number=ids["other"],
                    birth_date=date(1980, 1, 1), sex="M", phone="13912345678",
                    region_id=regions["village_a"], category=7 if components else 4, grade=2,
                    components=components, certificate_status="valid",
                    certificate_valid_until=date(2030, 1, 1), needs_long_term_care=False,
                    living_status="alive", guardian_name="", guardian_phone="")
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    expected = json.dumps(audit.created(person, PERSON_FIELDS))
    memo = Memo()
    assert memo.created(values) == expected
    assert memo.created(values) == expected  # again, from the memo of repeated values
