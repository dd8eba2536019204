"""Jurisdiction-matrix samples for the registry's pages and API (see
canlian/tests/test_jurisdiction_matrix.py): what "inside" and "outside" mean per persona."""

from __future__ import annotations

from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]


def _person(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.tests.factories import make_person

    village = p["village_liaison"].region_id
    if actor.region.level == "village":
        village = actor.region_id
    inside = make_person(region_code=village, name="辖区内")
    outside = make_person(region_code="610921100000", name="外县")
    if actor.role == "village_liaison" and actor.region_id != p["village_liaison"].region_id:
        outside = make_person(region_code=p["village_liaison"].region_id, name="邻村")
    return {"person_id": inside.pk}, {"person_id": outside.pk}


def _new_person_body(actor: User, p: dict[str, User]) -> dict[str, Any]:
    from canlian.registry.tests.factories import make_id_number

    village = actor.region_id if actor.region.level == "village" else p["village_liaison"].region_id
    return {"name": "新登记", "id_number": make_id_number(), "region_code": village}


def _household(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.models import Person

    inside, outside = _person(actor, p)
    ids = dict(Person.objects.filter(pk__in=[inside["person_id"], outside["person_id"]])
               .values_list("pk", "household_id"))
    return ({"household_id": ids[inside["person_id"]]},
            {"household_id": ids[outside["person_id"]]})


def _change_request(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.models import PersonChangeRequest

    maker = actor if actor.role == "village_liaison" else p["village_liaison"]
    inside = PersonChangeRequest.objects.create(region_id=maker.region_id, name="甲", payload={},
                                                requested_by=maker)
    outside = PersonChangeRequest.objects.create(region_id="610921100000", name="乙",
                                                 payload={}, requested_by=p["other_county_admin"])
    return {"change_id": inside.pk}, {"change_id": outside.pk}


def _import_run(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.core.models import TaskRun

    mine = TaskRun.objects.create(created_by=actor, kind="registry_import", title="导入",
                                  params={"mode": "preview", "filename": "a.xlsx"})
    other = p["county_staff"] if actor != p["county_staff"] else p["township_staff"]
    theirs = TaskRun.objects.create(created_by=other, kind="registry_import", title="导入",
                                    params={"mode": "preview", "filename": "a.xlsx"})
    return {"task_id": mine.pk}, {"task_id": theirs.pk}


SAMPLES = {
    "registry:import_result": _import_run,
    "registry:person_detail": _person,
    "registry:person_edit": _person,
    "registry:person_reveal": lambda a, p: tuple(  # type: ignore[return-value]
        None if kw is None else {**kw, "field": "id_number"} for kw in _person(a, p)),
    "registry:change_detail": _change_request,
    "api:person_detail": _person,
    "api:person_update": lambda a, p: tuple(
        None if kw is None else {**kw, "_body": {"address": "新住址"}} for kw in _person(a, p)),
    "api:person_create": lambda a, p: ({"_body": _new_person_body(a, p)}, None),
    "api:household_detail": _household,
    "api:person_search": lambda a, p: ({"_body": {"q": "zs"}}, None),
}


# ------------------------------------------------------------------ reference by identifier
# The writes of the registry that name another person by ID number (户主, 监护人), through a
# page, the API and an import (see test_jurisdiction_matrix.test_reference_by_identifier).


def _subject_region(actor: User, p: dict[str, User]) -> str:
    return actor.region_id if actor.region.level == "village" else p["village_liaison"].region_id


def _answer(response: Any) -> tuple[bool, str]:
    """What the caller learns from a page or API response: success, and every message."""
    from django.urls import resolve

    status = response.status_code
    if response.get("Content-Type", "").startswith("application/json"):
        return 200 <= status < 300, f"{status} {response.json().get('errors', '')}"
    if status == 302:  # saved, or sent for review: where to, without the new record's id
        return True, f"302 {resolve(response.url.split('?')[0]).view_name}"
    form = response.context["form"] if response.context and "form" in response.context else None
    return False, f"{status} {form.errors.get_json_data() if form is not None else ''}"


def _page_create(field: str) -> Any:
    def write(client: Any, actor: User, p: dict[str, User], number: str) -> tuple[bool, str]:
        from django.urls import reverse

        from canlian.registry.tests.factories import make_id_number

        data = {"name": "新登记", "id_number": make_id_number(),
                "region": _subject_region(actor, p), "living_status": "正常",
                "needs_long_term_care": "否", field: number}
        if field == "head_id_number":
            data["relation_to_head"] = "子女"
        else:
            data["guardian_name"] = "监护人"
        return _answer(client.post(reverse("registry:person_create"), data))
    return write


def _page_edit_head(client: Any, actor: User, p: dict[str, User], number: str
                    ) -> tuple[bool, str]:
    from django.urls import reverse

    from canlian.registry.forms import person_initial
    from canlian.registry.tests.factories import make_person

    person = make_person(region_code=_subject_region(actor, p), name="待修改")
    data = {k: ("" if v is None else v) for k, v in person_initial(person).items()}
    data.pop("components")
    data.update(head_id_number=number, relation_to_head="子女")
    return _answer(client.post(reverse("registry:person_edit", args=[person.pk]), data))


def _api_create(field: str) -> Any:
    def write(client: Any, actor: User, p: dict[str, User], number: str) -> tuple[bool, str]:
        from canlian.registry.tests.factories import make_id_number

        body = {"name": "新登记", "id_number": make_id_number(),
                "region_code": _subject_region(actor, p), field: number}
        body.update({"relation_to_head": "子女"} if field == "head_id_number"
                    else {"guardian_name": "监护人"})
        return _answer(client.post("/api/v1/persons", body, content_type="application/json"))
    return write


def _api_patch(field: str) -> Any:
    def write(client: Any, actor: User, p: dict[str, User], number: str) -> tuple[bool, str]:
        from canlian.registry.tests.factories import make_person

        person = make_person(region_code=_subject_region(actor, p), name="待修改")
        body = {field: number}
        body.update({"relation_to_head": "子女"} if field == "head_id_number"
                    else {"guardian_name": "监护人"})
        return _answer(client.patch(f"/api/v1/persons/{person.pk}", body,
                                    content_type="application/json"))
    return write


def _import(column: str) -> Any:
    def write(client: Any, actor: User, p: dict[str, User], number: str) -> tuple[bool, str]:
        import io

        import xlsxwriter
        from django.test import TestCase
        from django.urls import reverse

        from canlian.core.models import TaskRun
        from canlian.registry.tests.factories import make_id_number

        header = ["姓名", "身份证号", "户籍地区划代码", "生存状态", column,
                  "与户主关系" if column == "户主身份证号" else "监护人姓名"]
        cells = ["新登记", make_id_number(), _subject_region(actor, p), "正常", number,
                 "子女" if column == "户主身份证号" else "监护人"]
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer)
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, header)
        sheet.write_row(1, 0, cells)
        workbook.close()
        upload = io.BytesIO(buffer.getvalue())
        upload.name = "导入.xlsx"
        with TestCase.captureOnCommitCallbacks(execute=True):  # the task runs on commit
            response = client.post(reverse("registry:person_import"),
                                   {"file": upload, "mode": "all"})
        if response.status_code != 302:
            return False, f"{response.status_code}"
        run = TaskRun.objects.filter(created_by=actor).latest("created_at")
        errors = [(e["column"], e["message"]) for e in (run.result or {}).get("errors", [])]
        return run.status == "succeeded" and not errors, f"{run.message} {errors}"
    return write


_WRITERS = frozenset({"county_staff", "township_staff"})
_EDITORS = _WRITERS | {"village_liaison"}

# name → (roles that make this write, the write: client, actor, personas, ID number → answer)
REFERENCES = {
    "registry:person_create 户主身份证号": (_EDITORS, _page_create("head_id_number")),
    "registry:person_create 监护人身份证号": (_EDITORS, _page_create("guardian_id_number")),
    "registry:person_edit 户主身份证号": (_EDITORS, _page_edit_head),
    "api:person_create head_id_number": (_WRITERS, _api_create("head_id_number")),
    "api:person_create guardian_id_number": (_WRITERS, _api_create("guardian_id_number")),
    "api:person_update head_id_number": (_WRITERS, _api_patch("head_id_number")),
    "api:person_update guardian_id_number": (_WRITERS, _api_patch("guardian_id_number")),
    "registry:person_import 户主身份证号": (_WRITERS, _import("户主身份证号")),
    "registry:person_import 监护人身份证号": (_WRITERS, _import("监护人身份证号")),
}
