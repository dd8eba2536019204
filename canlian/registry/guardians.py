"""Guardian links (监护关系): a resident account acting for a ward in the portal.

The resident records the link as a request (the ward's name, ID number and the relation); staff
of the ward's jurisdiction verify it against the guardianship proof (户口本, 出生医学证明 or a
court's appointment) and only then may the resident apply or check policies for the ward. The
requester learns nothing about the ID number they typed: every request gets the same answer,
whether the number is unknown, registered elsewhere, holds a certificate or has an application
in progress (issue 17 item 5). A request naming nobody in the registry waits for the staff of
the requester's own region, who may still verify it (a child's first application).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import IdNumberError, parse_id_number
from canlian.core.models import AuditAction, User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role
from canlian.registry.models import (
    OPEN_GUARDIAN_LINK_STATUSES,
    GuardianLink,
    GuardianLinkStatus,
    Person,
)

VERIFY_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
RELATIONS = ("监护人", "父母", "子女", "配偶", "其他亲属")
# The one answer to every request, whatever the ID number is (no existence leak).
REQUESTED_MESSAGE = ("关联申请已提交。请携带监护关系证明（户口本、出生医学证明或法院指定监护的"
                     "文书）到乡镇（街道）残联或交给村（社区）专职委员，工作人员核实后您即可为其"
                     "办事。")
# The one answer when a resident names someone not linked to their account.
NOT_LINKED_MESSAGE = ("只能为本人、同户家庭成员或已核实关联的被监护人办理。为他人办理请先在"
                      "“我的被监护人”中提交关联申请，工作人员核实后即可办理。")


# ------------------------------------------------------------------ reads


def links_of(user: User) -> QuerySet[GuardianLink]:
    """A resident's own link requests, newest first."""
    return GuardianLink.objects.filter(user=user).select_related("person")


def wards_of(user: User) -> list[GuardianLink]:
    """The verified links of a resident: the persons they may act for besides their household."""
    return list(GuardianLink.objects.verified().filter(user=user).select_related("person")
                .order_by("name", "id"))


def may_act_for(user: User, id_number_index: str) -> bool:
    """Whether a resident may apply for the holder of this ID number: themselves, a member of
    their registered household, or a ward staff verified as linked to the account."""
    if user.id_number_index and id_number_index == user.id_number_index:
        return True
    if GuardianLink.objects.verified().filter(user=user,
                                              id_number_index=id_number_index).exists():
        return True
    return Person.objects.visible_to(user).filter(id_number_index=id_number_index).exists()


def links_for(*, actor: User, status: str = "") -> QuerySet[GuardianLink]:
    """Staff: the link requests of their jurisdiction."""
    rows = GuardianLink.objects.visible_to(actor).select_related("user", "person", "region")
    return rows.filter(status=status) if status else rows


def link_get_for(*, actor: User, link_id: int) -> GuardianLink:
    try:
        return links_for(actor=actor).get(pk=link_id)
    except GuardianLink.DoesNotExist:
        raise Http404("没有找到该关联申请。") from None


# ------------------------------------------------------------------ writes


@transaction.atomic
def guardian_link_request(*, actor: User, name: str, id_number: str, relation: str,
                          request: HttpRequest | None = None) -> GuardianLink:
    """The resident asks to act for a ward. Only the shape of the input is checked; the answer
    is the same whether or not anyone in the registry has the ID number."""
    if actor.role != Role.RESIDENT:
        raise DomainError("forbidden", "只有居民账户可以申请关联被监护人。")
    if not name.strip():
        raise DomainError("name", "请填写被监护人姓名。", field="name")
    try:
        number = parse_id_number(id_number).number
    except IdNumberError as error:
        raise DomainError("id_number", error.message, field="id_number") from None
    if relation not in RELATIONS:
        raise DomainError("relation", "请选择您与被监护人的关系。", field="relation")
    index = blind_index(number)
    if index == actor.id_number_index:
        raise DomainError("id_number", "这是您本人的身份证号，为本人办理无须关联。",
                          field="id_number")
    if GuardianLink.objects.filter(user=actor, id_number_index=index,
                                   status__in=OPEN_GUARDIAN_LINK_STATUSES).exists():
        raise DomainError("duplicate", "您已为该身份证号提交过关联申请，请在下方查看核实进度。",
                          field="id_number")
    person = Person.objects.filter(id_number_index=index).first()
    link = GuardianLink.objects.create(
        user=actor, person=person, region_id=person.region_id if person else actor.region_id,
        name=name.strip()[:50], id_number=number, id_number_index=index, relation=relation,
        requested_at=timezone.now())
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=link,
                       region_code=link.region_id, summary="申请关联被监护人",
                       changes={"relation": relation}, request=request)
    return link


def verify_refusal(actor: User, link: GuardianLink) -> DomainError | None:
    """Why the actor may not verify or decline this request, or None: staff of the link's
    jurisdiction decide a pending request."""
    if actor.role not in VERIFY_ROLES:
        return DomainError("forbidden", "只有县、乡镇（街道）残联工作人员可以核实监护关系。")
    if not in_jurisdiction(actor, link.region_id):
        return DomainError("jurisdiction", "该关联申请不在您的管辖范围内。")
    if link.status != GuardianLinkStatus.PENDING:
        return DomainError("decided", f"该关联申请已{link.get_status_display()}。")
    return None


def can_verify(actor: User, link: GuardianLink) -> bool:
    return verify_refusal(actor, link) is None


def _link_decide(*, actor: User, link: GuardianLink, status: str, note: str, summary: str,
                 request: HttpRequest | None) -> GuardianLink:
    """Record a verifier's decision on a locked, pending link, with its audit row."""
    refusal = verify_refusal(actor, link)
    if refusal is not None:
        raise refusal
    link.status = status
    link.decided_by, link.decided_at = actor, timezone.now()
    link.decision_note = note.strip()[:200]
    link.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=link,
                       region_code=link.region_id, summary=summary,
                       changes={"status": link.status}, request=request)
    return link


@transaction.atomic
def guardian_link_verify(*, actor: User, link: GuardianLink, note: str = "",
                         request: HttpRequest | None = None) -> GuardianLink:
    """Staff saw the guardianship proof: the resident may now act for the ward."""
    link = GuardianLink.objects.select_for_update().get(pk=link.pk)
    return _link_decide(actor=actor, link=link, status=GuardianLinkStatus.VERIFIED, note=note,
                        summary="核实监护关系：通过", request=request)


@transaction.atomic
def guardian_link_reject(*, actor: User, link: GuardianLink, reason: str,
                         request: HttpRequest | None = None) -> GuardianLink:
    """Staff could not confirm the guardianship; the reason is shown to the resident."""
    link = GuardianLink.objects.select_for_update().get(pk=link.pk)
    refusal = verify_refusal(actor, link)
    if refusal is not None:
        raise refusal
    if not reason.strip():
        raise DomainError("reason", "请填写未通过的原因（将告知申请人）。", field="reason")
    return _link_decide(actor=actor, link=link, status=GuardianLinkStatus.REJECTED, note=reason,
                        summary="核实监护关系：未通过", request=request)
