"""What cross-checks add to the home page's 待办: findings waiting for the county staff who
confirm or dismiss them (can_confirm), and the annual update's proposed registry changes
waiting for the staff who review them (can_review_survey). One query each."""

from __future__ import annotations

from django.urls import reverse

from canlian.core.models import User
from canlian.core.workbench import Todo
from canlian.crosscheck.models import Finding, FindingStatus, ProposalStatus, SurveyProposal
from canlian.crosscheck.permissions import can_confirm, can_review_survey


def crosscheck_todos(actor: User) -> list[Todo]:
    todos = []
    if can_confirm(actor):
        count = Finding.objects.visible_to(actor).filter(status=FindingStatus.OPEN).count()
        todos.append(Todo(label="待确认的比对发现", count=count, module="数据比对",
                          url=f"{reverse('crosscheck:finding_list')}?status={FindingStatus.OPEN}"))
    if can_review_survey(actor):
        count = SurveyProposal.objects.visible_to(actor).filter(
            status=ProposalStatus.OPEN).count()
        todos.append(Todo(label="待审核的动态更新变更", count=count, module="数据比对",
                          url=reverse("crosscheck:proposal_list")))
    return todos
