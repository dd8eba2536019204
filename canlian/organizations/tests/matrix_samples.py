"""Jurisdiction-matrix samples for the organisation system's pages and API (see
canlian/tests/test_jurisdiction_matrix.py): what "inside" and "outside" mean per persona.

Samples use service teams (服务队), of which a region may have any number, because the matrix
asks for a sample once per endpoint within one test.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]
OUTSIDE_REGION = "610921100000"  # 汉阴县城关镇: another county


def _home(actor: User, p: dict[str, User]) -> str:
    return actor.region_id if actor.region.level == "village" else p["village_liaison"].region_id


def _units(actor: User, p: dict[str, User]) -> tuple[Any, Any]:
    from canlian.organizations.models import UnitKind
    from canlian.organizations.tests.factories import make_unit

    return (make_unit(region_code=_home(actor, p), kind=UnitKind.SERVICE_TEAM, name="辖区服务队"),
            make_unit(region_code=OUTSIDE_REGION, kind=UnitKind.SERVICE_TEAM, name="外县服务队"))


def _unit(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _units(actor, p)
    return {"unit_id": inside.pk}, {"unit_id": outside.pk}


def _members(actor: User, p: dict[str, User]) -> tuple[Any, Any]:
    from canlian.organizations.tests.factories import make_member

    return (make_member(region_code=_home(actor, p), name="辖区内"),
            make_member(region_code=OUTSIDE_REGION, name="外县"))


def _member(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _members(actor, p)
    return {"member_id": inside.pk}, {"member_id": outside.pk}


def _holding(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.organizations.models import Post
    from canlian.organizations.tests.factories import make_holding

    units, members = _units(actor, p), _members(actor, p)
    inside, outside = (make_holding(unit=u, member=m, post=Post.MEMBER)
                       for u, m in zip(units, members, strict=True))
    return {"holding_id": inside.pk}, {"holding_id": outside.pk}


def _training(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.organizations.models import TrainingSession

    inside, outside = (TrainingSession.objects.create(title="培训", region_id=code,
                                                      held_on=date(2025, 3, 1))
                       for code in (_home(actor, p), OUTSIDE_REGION))
    return {"session_id": inside.pk}, {"session_id": outside.pk}


def _holder_body(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    units, members = _units(actor, p), _members(actor, p)
    body = [{"_body": {"unit_id": u.pk, "member_id": m.pk, "post": "member",
                       "started_on": "2025-01-01"}} for u, m in zip(units, members, strict=True)]
    return body[0], body[1]


SAMPLES = {
    "organizations:unit_detail": _unit,
    "organizations:unit_edit": _unit,
    "organizations:holding_create": _unit,
    "organizations:holding_end": _holding,
    "organizations:member_detail": _member,
    "organizations:member_edit": _member,
    "organizations:member_reveal": _member,
    "organizations:training_detail": _training,
    "organizations:training_attendance": _training,
    "api:org_unit_detail": _unit,
    "api:org_holder_create": _holder_body,
}
