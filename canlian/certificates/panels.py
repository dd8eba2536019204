"""The certificate panel of the person 360° page: every application of the person (新办, 换领,
补办, 等级变更, 迁移, 注销) with its status, current step and deadline."""

from __future__ import annotations

from typing import Any

from canlian.certificates.models import Application
from canlian.certificates.permissions import READ_ROLES
from canlian.core.models import User
from canlian.core.panels import Panel


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
