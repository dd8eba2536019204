"""What certificates adds to other pages: the person 360° panel (every application of the
person with its status, step and deadline) and the home page's 待办."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from canlian.certificates.models import Application
from canlian.certificates.permissions import READ_ROLES
from canlian.certificates.selectors import waiting_counts_for
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
    if actor.role not in READ_ROLES | {Role.ASSESSOR}:
        return []
    counts = waiting_counts_for(actor=actor)
    label = {Role.VILLAGE_LIAISON: "本村正在办理的证件申请",
             Role.ASSESSOR: "待您评定的残疾评定"}.get(actor.role, "待您办理的证件申请")
    if actor.role == Role.ASSESSOR:
        url = reverse("certificates:assessment_list")
    else:
        mine = "&mine=on" if actor.role != Role.VILLAGE_LIAISON else ""
        url = f"{reverse('certificates:application_list')}?status=open{mine}"
    return [Todo(label=label, count=counts["count"], overdue=counts["overdue"], url=url,
                 module="证件办理")]
