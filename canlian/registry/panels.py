"""What the registry adds to the home page's 待办: liaison officers' change requests waiting
for the township or county staff who may decide them (changes.can_decide), and residents'
guardian link requests waiting for staff of the ward's jurisdiction (guardians.can_verify)."""

from __future__ import annotations

from django.urls import reverse

from canlian.core.models import User
from canlian.core.workbench import Todo
from canlian.registry import guardians
from canlian.registry.changes import APPROVER_ROLES
from canlian.registry.models import ChangeStatus, GuardianLinkStatus, PersonChangeRequest


def registry_todos(actor: User) -> list[Todo]:
    todos: list[Todo] = []
    if actor.role in APPROVER_ROLES:
        count = PersonChangeRequest.objects.visible_to(actor).filter(
            status=ChangeStatus.PENDING).count()
        todos.append(Todo(label="待审核的残疾人信息变更申请", count=count, module="残疾人基础库",
                          url=f"{reverse('registry:change_list')}?status={ChangeStatus.PENDING}"))
    if actor.role in guardians.VERIFY_ROLES:
        pending = guardians.links_for(actor=actor, status=GuardianLinkStatus.PENDING).count()
        todos.append(Todo(label="待核实的监护关系", count=pending, module="残疾人基础库",
                          url=f"{reverse('registry:guardian_list')}"
                              f"?status={GuardianLinkStatus.PENDING}"))
    return todos
