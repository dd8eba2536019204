"""What benefits adds to other pages: the person 360° panel (every policy 符合 / 不符合 with the
reason) and the home page's 待办 (applications waiting at the actor's review step)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from canlian.benefits import eligibility, selectors
from canlian.benefits.models import (
    BatchStatus,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStep,
    ReviewStep,
)
from canlian.benefits.months import this_month
from canlian.benefits.permissions import (
    STEP_LABELS,
    VIEW_ROLES,
    can_apply,
    can_review_step,
    can_run_payroll,
)
from canlian.core.models import User
from canlian.core.panels import Panel
from canlian.core.workbench import Todo

STEP_WAITING_LABELS = {
    ReviewStep.TOWNSHIP: "待乡镇（街道）初审的补贴申请",
    ReviewStep.COUNTY: "待县残联审核的补贴申请",
    ReviewStep.CIVIL_AFFAIRS: "待录入民政审定结果的补贴申请",
}


def benefits_panel(actor: User, person: Any) -> Panel | None:
    if actor.role not in VIEW_ROLES:
        return None
    month = this_month()
    return Panel(key="benefits", title="政策与补贴", template="benefits/includes/person_panel.html",
                 context={"checks": eligibility.person_self_check(person, month),
                          "month": month, "can_apply": can_apply(actor),
                          "enrolments": selectors.enrolments_for(actor=actor, person=person)})


def benefits_todos(actor: User) -> list[Todo]:
    """Pending applications at each review step the actor may take (can_review_step), inside
    their jurisdiction: one query."""
    steps = [step for step in STEP_WAITING_LABELS if can_review_step(actor, step)]
    if not steps:
        return []
    # permissions.review_refusal as a query (不相容岗位分离): not an application the actor
    # recorded, nor one whose earlier step they decided.
    decided = EnrolmentStep.objects.filter(enrolment=OuterRef("pk"), actor=actor,
                                           action__in=list(STEP_LABELS.values()))
    counts = (Enrolment.objects.visible_to(actor).filter(status=EnrolmentStatus.PENDING)
              .exclude(applied_by=actor).exclude(Exists(decided))
              .aggregate(**{step: Count("pk", filter=Q(next_step=step)) for step in steps}))
    url = reverse("benefits:enrolment_list")
    return [Todo(label=STEP_WAITING_LABELS[step], count=counts[step], url=f"{url}?step={step}",
                 module="政策与补贴") for step in steps]


def payroll_todos(actor: User) -> list[Todo]:
    """Draft payroll batches the actor may approve (approve_refusal: not one they generated)."""
    if not can_run_payroll(actor):
        return []
    count = selectors.batches_for(actor).filter(status=BatchStatus.DRAFT).exclude(
        generated_by=actor).count()
    return [Todo(label="待审核的发放批次", count=count, module="政策与补贴",
                 url=reverse("benefits:batch_list"))]
