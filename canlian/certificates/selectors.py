"""Reads of the certificate workflow, always scoped by the actor (outside scope → 404)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from canlian.certificates import workflow
from canlian.certificates.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStep,
    ApplicationType,
    Assessment,
    AssessmentResult,
    Channel,
    Notice,
    Status,
    Step,
    StepOutcome,
    TravelAssumption,
    WindowTrips,
)
from canlian.certificates.permissions import REVIEW_CONFLICTS
from canlian.core.models import Region, RegionLevel, User
from canlian.core.roles import Role
from canlian.core.workdays import add_working_days
from canlian.registry.models import CertificateStatus, LivingStatus, Person

EXPIRY_DAYS = 90


@dataclass(frozen=True)
class ApplicationFilter:
    status: str = ""
    type: str = ""
    channel: str = ""
    step: str = ""
    region: str = ""
    q: str = ""
    mine: bool = False  # only those at a step the actor's role takes


def applications_for(*, actor: User, filters: ApplicationFilter | None = None
                     ) -> QuerySet[Application]:
    filters = filters or ApplicationFilter()
    apps = Application.objects.visible_to(actor).select_related("region__parent")
    if filters.status == "open":
        apps = apps.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        apps = apps.filter(status=filters.status)
    for name in ("type", "channel", "step"):
        if getattr(filters, name):
            apps = apps.filter(**{name: getattr(filters, name)})
    if filters.region:
        apps = apps.filter(region__code__startswith=filters.region.rstrip("0")[:9] or "-")
    if filters.q:
        apps = apps.filter(name__startswith=filters.q.strip())
    if filters.mine and actor.role in workflow.PROCESSING_ROLES:
        apps = apps.filter(_actionable(actor))
    return apps.order_by("-submitted_at", "-id")


def application_get_for(*, actor: User, application_id: int) -> Application:
    try:
        return Application.objects.visible_to(actor).select_related(
            "region__parent", "person", "submitted_by").get(pk=application_id)
    except Application.DoesNotExist:
        raise Http404("没有找到该申请。") from None


def application_steps(application: Application) -> list[ApplicationStep]:
    return list(application.steps.select_related("done_by").order_by("done_at", "id"))


def application_timeline(application: Application) -> list[dict[str, Any]]:
    """Every step of the application's sequence with its date (done, current with its
    deadline, or still to come), for the applicant and the staff alike."""
    taken = application_steps(application)
    rows: list[dict[str, Any]] = [
        {"label": s.get_step_display(), "state": "done", "outcome": s.get_outcome_display(),
         "at": s.done_at, "due_on": s.due_on, "note": s.note, "by": s.done_by.name,
         "in_person": s.in_person, "late": s.due_on is not None and
         timezone.localtime(s.done_at).date() > s.due_on}
        for s in taken]
    if application.is_open:
        sequence = workflow.sequence_for(application)
        position = sequence.index(application.step) if application.step in sequence else 0
        rows.append({"label": application.get_step_display(), "state": "current",
                     "due_on": application.step_due_on})
        rows += [{"label": Step(s).label, "state": "todo"} for s in sequence[position + 1:]]
    return rows


def documents_of(application: Application) -> list[ApplicationDocument]:
    return list(application.documents.order_by("uploaded_at", "id"))


def step_actors(application: Application) -> dict[str, frozenset[int]]:
    """Who took each step of the application (for separation of duties): submitting,
    accepting (complete or not) and the assessor's conclusion — assigning an assessor is not
    assessing."""
    found: dict[str, set[int]] = defaultdict(set)
    rows = application.steps.exclude(outcome=StepOutcome.ASSIGNED).values_list("step", "done_by")
    for step, user_id in rows:
        found[step].add(user_id)
    return {step: frozenset(ids) for step, ids in found.items()}


def materials_received(application: Application) -> list[str]:
    """What the 受理 checklist starts ticked with: the required materials actually uploaded,
    and those recorded as received at an earlier check (everything not told as missing).
    Nothing is ticked on a guess: staff tick what is handed over at the counter."""
    required = workflow.materials_required(application)
    uploaded = set(application.documents.values_list("kind", flat=True))
    earlier = set(required) - set(application.materials_missing) \
        if application.materials_notified else set()
    return [k for k in required if k in uploaded or k in earlier]


def document_get_for(*, actor: User, application_id: int, document_id: int
                     ) -> ApplicationDocument:
    application = application_get_for(actor=actor, application_id=application_id)
    try:
        return application.documents.get(pk=document_id)
    except ApplicationDocument.DoesNotExist:
        raise Http404("没有找到该材料。") from None


# ------------------------------------------------------------------ assessors


def assessments_for(*, actor: User) -> QuerySet[Assessment]:
    return (Assessment.objects.visible_to(actor).select_related("application__region__parent")
            .order_by("result", "scheduled_on", "-assigned_at"))


def assessment_get_for(*, actor: User, assessment_id: int) -> Assessment:
    try:
        return assessments_for(actor=actor).get(pk=assessment_id)
    except Assessment.DoesNotExist:
        raise Http404("没有找到该评定任务。") from None


def assessors_for(application: Application) -> QuerySet[User]:
    """Assessors whose region covers the applicant's (county-level doctors)."""
    prefixes = [application.region_id[:n] for n in (2, 4, 6, 9, 12)]
    regions = Region.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes])
    return User.objects.filter(role=Role.ASSESSOR, is_active=True,
                               region__in=regions).order_by("name")


# ------------------------------------------------------------------ deadlines


def _actionable(actor: User) -> Q:
    """Applications whose current step this actor's role may take: permissions.can_act as a
    query (workflow.STEP_ACTORS, and 就地简办 assessment only for the delegated categories)."""
    condition = Q(pk__in=[])
    for step, actors in workflow.STEP_ACTORS.items():
        channels = actors.get(actor.role)
        if channels:
            step_condition = Q(step=step, channel__in=list(channels))
            if actor.role == Role.TOWNSHIP_STAFF and step == Step.ASSESS:
                step_condition &= (~Q(type__in=list(workflow.NEEDS_ASSESSMENT))
                                   | Q(declared_category__in=list(workflow.township_categories())))
            if step == Step.REVIEW:
                step_condition &= ~Exists(_earlier_steps_by(actor))
            condition |= step_condition
    return condition


def _earlier_steps_by(actor: User) -> QuerySet[ApplicationStep]:
    """permissions.review_conflict as a query: steps of the application the actor took that
    bar them from its review (不相容岗位分离; see step_actors)."""
    return ApplicationStep.objects.filter(
        application=OuterRef("pk"), done_by=actor,
        step__in=list(REVIEW_CONFLICTS)).exclude(outcome=StepOutcome.ASSIGNED)


def deadlines_for(*, actor: User, today: date | None = None) -> dict[str, list[Application]]:
    """Overdue and due-soon (within 2 working days) applications the actor must act on.
    Village liaison officers see their villages' applications (they chase the applicants)."""
    today = today or timezone.localdate()
    soon = add_working_days(today, workflow.DUE_SOON_DAYS)
    apps = Application.objects.visible_to(actor).filter(
        status__in=OPEN_STATUSES, step_due_on__isnull=False, step_due_on__lte=soon)
    if actor.role == Role.ASSESSOR:
        apps = apps.filter(step=Step.ASSESS, assessments__assessor=actor,
                           assessments__result=AssessmentResult.PENDING)
    elif actor.role in workflow.PROCESSING_ROLES:
        apps = apps.filter(_actionable(actor))
    apps = apps.select_related("region__parent").order_by("step_due_on", "id").distinct()
    rows = list(apps)
    return {"overdue": [a for a in rows if a.step_due_on < today],
            "due_soon": [a for a in rows if a.step_due_on >= today]}


def waiting_counts_for(*, actor: User, today: date | None = None) -> dict[str, int]:
    """For the home page's 待办: open applications at a step the actor takes ("count") and how
    many of them are past the step's deadline ("overdue"), in one query. Liaison officers
    follow every open application of their villages; assessors their pending assessments."""
    today = today or timezone.localdate()
    apps = Application.objects.visible_to(actor).filter(status__in=OPEN_STATUSES)
    if actor.role == Role.ASSESSOR:
        apps = apps.filter(pk__in=Assessment.objects.filter(
            assessor=actor, result=AssessmentResult.PENDING).values("application_id"),
            step=Step.ASSESS, status=Status.IN_PROGRESS)
    elif actor.role in workflow.PROCESSING_ROLES:
        apps = apps.filter(_actionable(actor))
    return apps.aggregate(count=Count("pk"),
                          overdue=Count("pk", filter=Q(step_due_on__lt=today)))


# ------------------------------------------------------------------ expiry campaign


def townships_for(actor: User) -> list[Region]:
    regions = Region.objects.filter(level=RegionLevel.TOWNSHIP,
                                    code__startswith=actor.region.prefix)
    return list(regions.order_by("code"))


def expiring_for(*, actor: User, township: str = "", today: date | None = None,
                 days: int = EXPIRY_DAYS) -> QuerySet[Person]:
    """Valid certificates expiring within 90 days, with whether an application is open."""
    today = today or timezone.localdate()
    busy = Application.objects.filter(id_number_index=OuterRef("id_number_index"),
                                      status__in=OPEN_STATUSES)
    persons = Person.objects.visible_to(actor).filter(
        certificate_status=CertificateStatus.VALID, living_status=LivingStatus.ALIVE,
        certificate_valid_until__gte=today,
        certificate_valid_until__lte=today + timedelta(days=days))
    if township:
        persons = persons.filter(region__code__startswith=township[:9])
    return (persons.annotate(has_open=Exists(busy)).select_related("region__parent")
            .order_by("region_id", "certificate_valid_until", "id"))


def expiring_by_township(*, actor: User, today: date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    names = {r.code[:9]: r.name for r in townships_for(actor)}
    counts: dict[str, int] = defaultdict(int)
    for region_id in expiring_for(actor=actor, today=today).values_list("region_id", flat=True):
        counts[region_id[:9]] += 1
    return [{"code": code.ljust(12, "0"), "name": names.get(code, code), "count": n}
            for code, n in sorted(counts.items())]


# ------------------------------------------------------------------ notices


def notices_for(*, actor: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=actor).select_related("application").order_by(
        "-created_at", "-id")


# ------------------------------------------------------------------ statistics and savings


def _labelled(rows: Any, key: str, choices: Any) -> list[dict[str, Any]]:
    labels = dict(choices)
    return [{"key": r[key], "label": labels.get(r[key], r[key] or "—"), "n": r["n"]}
            for r in rows]


def statistics_for(*, actor: User, today: date | None = None) -> dict[str, Any]:
    """Applications by type, channel, status and month; average working days per step;
    overdue count; trips and savings."""
    today = today or timezone.localdate()
    apps = Application.objects.visible_to(actor)
    steps = ApplicationStep.objects.filter(application__in=apps.values("pk"),
                                           outcome=StepOutcome.DONE).exclude(step=Step.SUBMIT)
    per_step = {r["step"]: r for r in steps.values("step").annotate(
        n=Count("id"), avg_days=Avg("working_days"))}
    order = [Step.ACCEPT, Step.ASSESS, Step.PUBLICIZE, Step.REVIEW, Step.PRODUCE, Step.ISSUE,
             Step.CLOSE, Step.FORWARD]
    return {
        "total": apps.count(),
        "by_type": _labelled(apps.values("type").annotate(n=Count("id")).order_by("type"),
                             "type", ApplicationType.choices),
        "by_channel": _labelled(apps.values("channel").annotate(n=Count("id"))
                                .order_by("channel"), "channel", Channel.choices),
        "by_status": _labelled(apps.values("status").annotate(n=Count("id")).order_by("status"),
                               "status", Status.choices),
        "by_step": _labelled(apps.filter(status__in=OPEN_STATUSES).values("step")
                             .annotate(n=Count("id")).order_by("step"), "step", Step.choices),
        "by_month": [{"month": r["month"], "n": r["n"]} for r in
                     apps.annotate(month=TruncMonth("submitted_at")).values("month")
                     .annotate(n=Count("id")).order_by("month")],
        "step_days": [{"label": Step(s).label, "n": per_step[s]["n"],
                       "avg_days": round(per_step[s]["avg_days"] or 0, 1),
                       "limit": workflow.DEADLINE_DAYS[s]} for s in order if s in per_step],
        "overdue": apps.filter(status__in=OPEN_STATUSES, step_due_on__lt=today).count(),
        "savings": savings_for(actor=actor),
    }


def travel_assumptions(actor: User) -> dict[str, TravelAssumption]:
    return {t.region_id: t for t in TravelAssumption.objects.filter(
        region__code__startswith=actor.region.prefix[:6])}


def savings_for(*, actor: User) -> dict[str, Any]:
    """只跑一次: per channel, trips made and days/money saved against the county window.

    saved trips = (window trips for the type − trips actually made), never below 0;
    days = saved trips × the township's days per trip; money = saved trips × cost per trip
    (the county row is the default for a township without its own). Counted over finished
    applications (issued or closed).
    """
    finished = Application.objects.visible_to(actor).filter(
        status__in=[Status.ISSUED, Status.CLOSED, Status.FORWARDED])
    groups = finished.values("channel", "type", "region_id", "trips").annotate(n=Count("id"))
    baseline = dict(WindowTrips.objects.values_list("type", "trips"))
    travel = travel_assumptions(actor)
    channels: dict[str, dict[str, Any]] = {
        c: {"channel": c, "label": label, "applications": 0, "trips": 0, "window_trips": 0,
            "saved_trips": 0, "days": Decimal("0"), "amount": Decimal("0")}
        for c, label in Channel.choices}
    missing: set[str] = set()
    for g in groups:
        row = channels[g["channel"]]
        township = g["region_id"][:9].ljust(12, "0")
        assumption = travel.get(township) or travel.get(g["region_id"][:6].ljust(12, "0"))
        window = baseline.get(g["type"], 0)
        saved = max(window - g["trips"], 0) * g["n"]
        row["applications"] += g["n"]
        row["trips"] += g["trips"] * g["n"]
        row["window_trips"] += window * g["n"]
        row["saved_trips"] += saved
        if assumption is None:
            missing.add(township)
            continue
        row["days"] += assumption.days_per_trip * saved
        row["amount"] += assumption.cost_per_trip_amount * saved
    rows = [r for r in channels.values() if r["applications"]]
    return {
        "rows": rows,
        "saved_trips": sum(r["saved_trips"] for r in rows),
        "days": sum((r["days"] for r in rows), Decimal("0")),
        "amount": sum((r["amount"] for r in rows), Decimal("0")),
        "baseline": [{"label": ApplicationType(t).label, "trips": n}
                     for t, n in sorted(baseline.items())],
        "missing_townships": sorted(missing),
    }
