"""What certificates adds to other pages: the person 360° panel (every application of the
person with its status, step and deadline) and the home page's 待办."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from canlian.certificates.models import Application
from canlian.certificates.permissions import READ_ROLES
from canlian.certificates.selectors import waiting_counts_for
from canlian.certificates.workflow import PROCESSING_ROLES
from canlian.core.models import User
from canlian.core.panels import Panel
from canlian.core.roles import Role
from canlian.core.workbench import Todo


def certificates_panel(actor: User, person: Any) -> Panel | None:
    if actor.role not in READ_ROLES:
        return None
    # The person page has already checked jurisdiction; applications are still read through
    # the actor's scope so that a panel never shows more than the list would.
    applications = list(Application.objects.visible_to(actor).filter(person=person)
                        .order_by("-submitted_at", "-id")[:20])
    return Panel(key="certificates", title="证件办理记录",
                 template="certificates/includes/person_panel.html",
                 context={"applications": applications})


def certificates_todos(actor: User) -> list[Todo]:
    """Staff who take workflow steps: the applications at a step they may take (can_act);
    assessors: their pending assessments (can_record_assessment); liaison officers follow
    their villages' open applications (they chase the applicants, the township acts)."""
    if actor.role in PROCESSING_ROLES | {Role.ASSESSOR}:
        counts = waiting_counts_for(actor=actor)
        if actor.role == Role.ASSESSOR:
            return [Todo(label="待您评定的残疾评定", count=counts["count"],
                         overdue=counts["overdue"], url=reverse("certificates:assessment_list"),
                         module="证件办理")]
        return [Todo(label="待您办理的证件申请", count=counts["count"], overdue=counts["overdue"],
                     url=f"{reverse('certificates:application_list')}?status=open&mine=on",
                     module="证件办理")]
    if actor.role == Role.VILLAGE_LIAISON:
        counts = waiting_counts_for(actor=actor)
        return [Todo(label="本村正在办理的证件申请", count=counts["count"],
                     overdue=counts["overdue"], follow=True, module="证件办理",
                     url=f"{reverse('certificates:application_list')}?status=open")]
    return []
