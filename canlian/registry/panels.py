"""What the registry adds to the home page's 待办: liaison officers' change requests waiting
for the township or county staff who may decide them (changes.can_decide)."""

from __future__ import annotations

from django.urls import reverse

from canlian.core.models import User
from canlian.core.workbench import Todo
from canlian.registry.changes import APPROVER_ROLES
from canlian.registry.models import ChangeStatus, PersonChangeRequest


def registry_todos(actor: User) -> list[Todo]:
    if actor.role not in APPROVER_ROLES:
        return []
    count = PersonChangeRequest.objects.visible_to(actor).filter(
        status=ChangeStatus.PENDING).count()
    return [Todo(label="待审核的残疾人信息变更申请", count=count, module="残疾人基础库",
                 url=f"{reverse('registry:change_list')}?status={ChangeStatus.PENDING}")]
