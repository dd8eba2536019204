"""The certificate workflow as data: the steps of each application type, each step's deadline
in working days, who may act on it through which channel, and the materials checklist.

Sources: 《残疾人证管理办法》 (DOMAIN.md §1): 第九条 public notice in the village for 5 working days
and county review within 10 working days; 第二十五条 objection within 10 working days. 跨省通办
(seed 000): accept and push within 3 working days, decide within 10, inform within 3. The other
deadlines are the county's service promises and can be changed here.
"""

from __future__ import annotations

from django.conf import settings

from canlian.certificates.models import (
    Application,
    ApplicationType,
    Channel,
    CrossDirection,
    DocumentKind,
    Step,
)
from canlian.core.roles import Role
from canlian.registry.models import CancelReason, Category

T = ApplicationType
ISSUING = (Step.ACCEPT, Step.ASSESS, Step.PUBLICIZE, Step.REVIEW, Step.PRODUCE, Step.ISSUE)
SEQUENCES: dict[str, tuple[str, ...]] = {
    T.NEW: ISSUING,
    T.REASSESSMENT: ISSUING,  # 管理办法第二十二条: re-assessed, then re-issued
    T.RENEWAL: (Step.ACCEPT, Step.REVIEW, Step.PRODUCE, Step.ISSUE),
    T.REPLACEMENT: (Step.ACCEPT, Step.REVIEW, Step.PRODUCE, Step.ISSUE),
    T.TRANSFER_IN: (Step.ACCEPT, Step.REVIEW, Step.CLOSE),
    T.TRANSFER_OUT: (Step.ACCEPT, Step.REVIEW, Step.CLOSE),
    T.CANCELLATION: (Step.ACCEPT, Step.REVIEW, Step.CLOSE),
}
# 跨省通办 for a person whose hukou is in another province: accept here, push there.
OUTGOING_SEQUENCE: tuple[str, ...] = (Step.ACCEPT, Step.FORWARD)

DEADLINE_DAYS: dict[str, int] = {
    Step.ACCEPT: 3,
    Step.ASSESS: 10,
    Step.PUBLICIZE: 5,  # 管理办法第九条
    Step.REVIEW: 10,  # 管理办法第九条
    Step.PRODUCE: 5,
    Step.ISSUE: 5,
    Step.CLOSE: 5,
    Step.FORWARD: 3,  # 跨省通办: push within 3 working days
}
# 跨省通办 (seed 000): 3 working days to push, 10 to decide, 3 to inform.
CROSS_PROVINCE_DEADLINE_DAYS: dict[str, int] = {
    Step.ACCEPT: 3, Step.FORWARD: 3, Step.REVIEW: 10, Step.ISSUE: 3, Step.CLOSE: 3,
}
OBJECTION_WINDOW_DAYS = 10  # 管理办法第二十五条
OWN_REQUEST_BLOCK_YEARS = 1  # 管理办法第二十四条
DUE_SOON_DAYS = 2

ALL_CHANNELS = frozenset(Channel.values)
TOWNSHIP_ONLY = frozenset({Channel.TOWNSHIP})
# Who may take each step, and for applications of which channels.
STEP_ACTORS: dict[str, dict[str, frozenset[str]]] = {
    Step.ACCEPT: {Role.COUNTY_STAFF: ALL_CHANNELS, Role.TOWNSHIP_STAFF: TOWNSHIP_ONLY},
    Step.ASSESS: {Role.COUNTY_STAFF: ALL_CHANNELS, Role.TOWNSHIP_STAFF: TOWNSHIP_ONLY},
    Step.PUBLICIZE: {Role.COUNTY_STAFF: ALL_CHANNELS, Role.TOWNSHIP_STAFF: ALL_CHANNELS},
    Step.REVIEW: {Role.COUNTY_STAFF: ALL_CHANNELS},
    Step.PRODUCE: {Role.COUNTY_STAFF: ALL_CHANNELS},
    Step.ISSUE: {Role.COUNTY_STAFF: ALL_CHANNELS, Role.TOWNSHIP_STAFF: TOWNSHIP_ONLY},
    Step.CLOSE: {Role.COUNTY_STAFF: ALL_CHANNELS},
    Step.FORWARD: {Role.COUNTY_STAFF: ALL_CHANNELS},
}
PROCESSING_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
SUBMIT_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_LIAISON,
                          Role.RESIDENT})
# Channels each submitting role may use: a liaison officer submits for a villager at the
# township or for a home visit; a resident applies online.
SUBMIT_CHANNELS: dict[str, frozenset[str]] = {
    Role.COUNTY_STAFF: ALL_CHANNELS,
    Role.TOWNSHIP_STAFF: frozenset({Channel.TOWNSHIP, Channel.HOME}),
    Role.VILLAGE_LIAISON: frozenset({Channel.TOWNSHIP, Channel.HOME, Channel.ONLINE}),
    Role.RESIDENT: frozenset({Channel.ONLINE}),
}
NEEDS_ASSESSMENT = frozenset({T.NEW, T.REASSESSMENT})
CANCEL_REASONS = (CancelReason.DECEASED, CancelReason.MOVED_OUT, CancelReason.OWN_REQUEST)


def township_categories() -> frozenset[int]:
    """Categories whose assessment the county delegates to the townships (桐梓: 肢体, seed 000)."""
    return frozenset(getattr(settings, "CERTIFICATES_TOWNSHIP_CATEGORIES", [Category.PHYSICAL]))


def sequence_for(application: Application) -> tuple[str, ...]:
    if (application.channel == Channel.CROSS_PROVINCE
            and application.cross_direction == CrossDirection.OUTGOING):
        return OUTGOING_SEQUENCE
    return SEQUENCES[application.type]


def next_step(application: Application) -> str | None:
    steps = sequence_for(application)
    position = steps.index(application.step)
    return steps[position + 1] if position + 1 < len(steps) else None


def deadline_days(application: Application, step: str) -> int:
    if application.channel == Channel.CROSS_PROVINCE and step in CROSS_PROVINCE_DEADLINE_DAYS:
        return CROSS_PROVINCE_DEADLINE_DAYS[step]
    return DEADLINE_DAYS[step]


def materials_required(application: Application) -> list[str]:
    """The checklist at acceptance (管理办法第九条: ID card, hukou book, photos; plus what the
    type needs). Everything missing is told to the applicant at once (一次性告知)."""
    kinds = [DocumentKind.ID_CARD, DocumentKind.HUKOU]
    by_type = {
        T.NEW: [DocumentKind.PHOTO, DocumentKind.MEDICAL],
        T.RENEWAL: [DocumentKind.PHOTO, DocumentKind.OLD_CERTIFICATE],
        T.REPLACEMENT: [DocumentKind.PHOTO, DocumentKind.LOSS_STATEMENT],
        T.REASSESSMENT: [DocumentKind.PHOTO, DocumentKind.OLD_CERTIFICATE, DocumentKind.MEDICAL],
        T.TRANSFER_IN: [DocumentKind.OLD_CERTIFICATE, DocumentKind.MOVE],
        T.TRANSFER_OUT: [DocumentKind.OLD_CERTIFICATE, DocumentKind.MOVE],
        T.CANCELLATION: [DocumentKind.OLD_CERTIFICATE],
    }
    kinds += by_type[application.type]
    if application.type == T.CANCELLATION and application.cancel_reason == CancelReason.DECEASED:
        kinds = [DocumentKind.HUKOU, DocumentKind.DEATH]
    if application.applicant_relation != "本人":
        kinds.append(DocumentKind.GUARDIANSHIP)
    return [str(k) for k in kinds]


def default_in_person(application: Application, step: str) -> bool:
    """Whether the applicant normally has to be there for a step (staff may correct it)."""
    if step == Step.SUBMIT:
        return application.channel in (Channel.WINDOW, Channel.TOWNSHIP, Channel.CROSS_PROVINCE)
    if step == Step.ISSUE:
        return application.channel in (Channel.WINDOW, Channel.TOWNSHIP)
    return False
