"""Reads of the organisation system, always scoped by the acting user.

Coverage, composition, training and grassroots figures are computed set-based: one query over
all the regions (or members) in scope with EXISTS / conditional COUNT, never a query per
village or per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from canlian.core.idnumbers import mask_phone
from canlian.core.managers import jurisdiction_prefix
from canlian.core.models import Region, RegionLevel, User
from canlian.organizations.models import (
    DISABLED_Q,
    STAFF_POSTS,
    STAFF_UNIT_KINDS,
    GrassrootsVisit,
    Member,
    OrgUnit,
    Post,
    PostHolding,
    Threshold,
    ThresholdKey,
    TrainingAttendance,
    TrainingSession,
    UnitKind,
)

ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _prefix(actor: User) -> str:
    prefix = jurisdiction_prefix(actor)
    if prefix is None:
        raise Http404("没有找到。")
    return prefix


def county_code_of(actor: User) -> str:
    return actor.region_id[:6] + "000000"


# ---------------------------------------------------------------- who serves a village

@dataclass(frozen=True)
class LiaisonOfficer:
    region_id: str  # the village
    name: str
    member_id: int
    user_id: int | None  # the officer's system account, when linked (Member.user)


def liaison_holdings(*, start: date, end: date | None = None) -> QuerySet[PostHolding]:
    """The one definition of who serves a village as its 专职委员 (issue #16 §12): a term of the
    专职委员 post of the village's association (组织体系) covering [start, end] (one day when
    `end` is None). A village_liaison account serves a village only through the member it is
    linked to; the due lists, the gap lists, the appraisal and the coverage all read this."""
    return (PostHolding.objects
            .filter(post=Post.LIAISON_OFFICER, unit__kind=UnitKind.VILLAGE_ASSOCIATION)
            .overlapping(start, start if end is None else end))


def liaison_officers_by_village(*, region_codes: Iterable[str] | None = None,
                                prefix: str = "", on: date | None = None
                                ) -> dict[str, list[LiaisonOfficer]]:
    """The 专职委员 of each village on a day, by name (one query): of the villages listed, or of
    every village under `prefix`."""
    holdings = liaison_holdings(start=on or timezone.localdate())
    if region_codes is not None:
        holdings = holdings.filter(unit__region_id__in=list(region_codes))
    else:
        holdings = holdings.filter(unit__region__code__startswith=prefix)
    found: dict[str, dict[int, LiaisonOfficer]] = defaultdict(dict)
    for region_id, member_id, name, user_id in holdings.order_by("member__name", "pk") \
            .values_list("unit__region_id", "member_id", "member__name", "member__user_id"):
        found[region_id][member_id] = LiaisonOfficer(region_id=region_id, name=name,
                                                     member_id=member_id, user_id=user_id)
    return {code: list(officers.values()) for code, officers in found.items()}


# ---------------------------------------------------------------- units, members, holdings

@dataclass(frozen=True)
class UnitFilter:
    q: str = ""
    kind: str = ""
    region: str = ""


def units_for(*, actor: User, filters: UnitFilter = UnitFilter()) -> QuerySet[OrgUnit]:
    units = OrgUnit.objects.visible_to(actor).select_related("region", "parent")
    if filters.q:
        units = units.filter(name__contains=filters.q)
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        units = units.filter(region__code__startswith=region.prefix if region else filters.region)
    return units.order_by("region_id", "kind", "name", "id")


def unit_get_for(*, actor: User, unit_id: int) -> OrgUnit:
    try:
        return OrgUnit.objects.visible_to(actor).select_related("region", "parent").get(
            pk=unit_id)
    except OrgUnit.DoesNotExist:
        raise Http404("没有找到该组织。") from None


def unit_holdings(unit: OrgUnit, *, on: date | None = None) -> tuple[list[PostHolding],
                                                                      list[PostHolding]]:
    """(current terms, past and future terms) of a unit, in post order."""
    on = on or timezone.localdate()
    holdings = list(unit.holdings.select_related("member").order_by("post", "-started_on"))
    order = {value: index for index, value in enumerate(Post.values)}
    holdings.sort(key=lambda h: (order[h.post], -h.started_on.toordinal()))
    current = [h for h in holdings
               if h.started_on <= on and (h.ended_on is None or h.ended_on >= on)]
    return current, [h for h in holdings if h not in current]


@dataclass(frozen=True)
class MemberFilter:
    q: str = ""
    region: str = ""
    flag: str = ""


MEMBER_FLAGS = {
    "disabled": ("残疾人", DISABLED_Q),
    "relative": ("残疾人亲友", Q(is_relative=True)),
    "role_model": ("自强模范", Q(is_role_model=True)),
    "grassroots": ("基层一线", Q(is_grassroots=True)),
    "rural": ("农村", Q(is_rural=True)),
    "volunteer": ("助残志愿者", Q(is_volunteer=True)),
}


def members_for(*, actor: User, filters: MemberFilter = MemberFilter()) -> QuerySet[Member]:
    members = Member.objects.visible_to(actor).select_related("region", "person")
    if filters.q:
        members = members.filter(name__contains=filters.q)
    if filters.region:
        members = members.filter(region__code__startswith=filters.region.rstrip("0") or "-")
    if filters.flag in MEMBER_FLAGS:
        members = members.filter(MEMBER_FLAGS[filters.flag][1])
    return members.order_by("region_id", "name", "id")


def member_get_for(*, actor: User, member_id: int) -> Member:
    try:
        return Member.objects.visible_to(actor).select_related("region", "person", "user").get(
            pk=member_id)
    except Member.DoesNotExist:
        raise Http404("没有找到该人员。") from None


def member_holdings(member: Member) -> list[PostHolding]:
    return list(member.holdings.select_related("unit__region").order_by("-started_on"))


def holding_get_for(*, actor: User, holding_id: int) -> PostHolding:
    try:
        return PostHolding.objects.visible_to(actor).select_related(
            "unit__region", "member").get(pk=holding_id)
    except PostHolding.DoesNotExist:
        raise Http404("没有找到该任职记录。") from None


def holdings_for(*, actor: User, on: date | None = None, unit_id: int | None = None,
                 post: str = "", kind: str = "") -> QuerySet[PostHolding]:
    """Terms in the actor's jurisdiction; with `on`, only those covering that day."""
    holdings = PostHolding.objects.visible_to(actor).select_related(
        "unit__region", "member__region")
    if on is not None:
        holdings = holdings.active_on(on)
    if unit_id is not None:
        holdings = holdings.filter(unit_id=unit_id)
    if post:
        holdings = holdings.filter(post=post)
    if kind:
        holdings = holdings.filter(unit__kind=kind)
    return holdings.order_by("unit__region_id", "unit__kind", "unit_id", "post", "-started_on")


def member_choices_for_unit(*, actor: User, unit: OrgUnit) -> list[tuple[str, str]]:
    """Members who may hold a post in `unit`: inside its region and the actor's jurisdiction."""
    members = Member.objects.visible_to(actor).filter(
        region__code__startswith=unit.region.prefix).select_related("region")
    return [(str(m.pk), f"{m.name}（{m.region.name}）") for m in members.order_by("name", "id")]


# ---------------------------------------------------------------- coverage (横到边、纵到底)

# Seed 000 / seed 004 二(二)3: a township federation with a 理事长 and one 专职委员; a village
# association with a 主席 and one 专职委员.
TOWNSHIP_POSTS = (Post.EXECUTIVE_CHAIR, Post.LIAISON_OFFICER)
VILLAGE_POSTS = (Post.CHAIR, Post.LIAISON_OFFICER)


@dataclass
class VillageCoverage:
    code: str
    name: str
    has_unit: bool
    has_chair: bool
    has_liaison: bool

    @property
    def complete(self) -> bool:
        return self.has_unit and self.has_chair and self.has_liaison

    @property
    def missing(self) -> list[str]:
        if not self.has_unit:
            return ["未建村（社区）残协"]
        return [label for ok, label in ((self.has_chair, "缺主席"),
                                         (self.has_liaison, "缺专职委员")) if not ok]


@dataclass
class TownshipCoverage:
    code: str
    name: str
    has_unit: bool
    has_chair: bool
    has_liaison: bool
    in_scope: bool = True  # False for a village liaison officer: only their village counts
    villages: list[VillageCoverage] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.has_unit and self.has_chair and self.has_liaison

    @property
    def missing(self) -> list[str]:
        if not self.in_scope:
            return []
        if not self.has_unit:
            return ["未建乡镇（街道）残联"]
        return [label for ok, label in ((self.has_chair, "缺理事长"),
                                         (self.has_liaison, "缺专职委员")) if not ok]

    @property
    def villages_with_unit(self) -> int:
        return sum(v.has_unit for v in self.villages)

    @property
    def villages_complete(self) -> int:
        return sum(v.complete for v in self.villages)

    @property
    def required(self) -> int:
        """Organisations that must exist and be staffed: the township's and each village's."""
        return int(self.in_scope) + len(self.villages)

    @property
    def fulfilled(self) -> int:
        return int(self.in_scope and self.complete) + self.villages_complete

    @property
    def percent(self) -> Decimal | None:
        return percent(self.fulfilled, self.required)

    @property
    def incomplete_villages(self) -> list[VillageCoverage]:
        return [v for v in self.villages if not v.complete]


@dataclass
class Coverage:
    on: date
    townships: list[TownshipCoverage]

    @property
    def required(self) -> int:
        return sum(t.required for t in self.townships)

    @property
    def fulfilled(self) -> int:
        return sum(t.fulfilled for t in self.townships)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.fulfilled, self.required)

    @property
    def village_count(self) -> int:
        return sum(len(t.villages) for t in self.townships)

    @property
    def villages_with_unit(self) -> int:
        return sum(t.villages_with_unit for t in self.townships)

    @property
    def townships_with_unit(self) -> int:
        return sum(t.has_unit for t in self.townships if t.in_scope)


def _staffing(kind: str, posts: tuple[str, ...], on: date) -> dict[str, Any]:
    """EXISTS flags over Region rows: the unit of `kind` there, and each post filled on `on`."""
    units = OrgUnit.objects.filter(kind=kind, is_active=True, region=OuterRef("code"))
    holders = PostHolding.objects.filter(unit__kind=kind, unit__is_active=True,
                                         unit__region=OuterRef("code")).active_on(on)
    flags: dict[str, Any] = {"has_unit": Exists(units)}
    for name, post in zip(("has_chair", "has_liaison"), posts, strict=True):
        flags[name] = Exists(holders.filter(post=post))
    return flags


def coverage_for(*, actor: User, on: date | None = None) -> Coverage:
    """Township federations and village associations with their required posts, by township
    (two queries whatever the number of villages)."""
    on = on or timezone.localdate()
    prefix = _prefix(actor)
    township_prefix = prefix[:9]
    townships = (Region.objects.filter(level=RegionLevel.TOWNSHIP, is_active=True,
                                       code__startswith=township_prefix)
                 .annotate(**_staffing(UnitKind.TOWNSHIP_FEDERATION, TOWNSHIP_POSTS, on))
                 .order_by("code").values("code", "name", "has_unit", "has_chair",
                                          "has_liaison"))
    in_scope = len(prefix) <= 9
    result = {t["code"][:9]: TownshipCoverage(**t, in_scope=in_scope) for t in townships}
    villages = (Region.objects.filter(level=RegionLevel.VILLAGE, is_active=True,
                                      code__startswith=prefix)
                .annotate(**_staffing(UnitKind.VILLAGE_ASSOCIATION, VILLAGE_POSTS, on))
                .order_by("code").values("code", "name", "has_unit", "has_chair",
                                         "has_liaison"))
    for village in villages:
        township = result.get(village["code"][:9])
        if township is not None:
            township.villages.append(VillageCoverage(**village))
    return Coverage(on=on, townships=list(result.values()))


# ---------------------------------------------------------------- thresholds and composition

@dataclass(frozen=True)
class RuleSpec:
    key: str
    group: str
    criterion: str
    default: Decimal
    source: str


GROUP_LABELS = {"congress": "县残联代表大会代表", "presidium": "县残联主席团委员",
                "staff": "县残联机关干部"}
CRITERION_LABELS = {"disabled_or_relative": "残疾人及残疾人亲友",
                    "role_model_or_grassroots": "自强模范和基层一线",
                    "disabled": "残疾人", "rural": "农村残疾人及亲友",
                    "volunteer": "助残志愿者"}
# 濮阳县残联改革方案 (seed 004) 二(一)1, 二(一)2, 二(二)2 and 二(三)4.
RULES: tuple[RuleSpec, ...] = (
    RuleSpec(ThresholdKey.CONGRESS_DISABLED_OR_RELATIVE, "congress", "disabled_or_relative",
             Decimal(65), "改革方案二(一)1：代表中残疾人及残疾人亲友的比例提高到65%以上"),
    RuleSpec(ThresholdKey.CONGRESS_ROLE_MODEL_OR_GRASSROOTS, "congress",
             "role_model_or_grassroots", Decimal(60),
             "改革方案二(一)1：自强模范和基层一线代表占60%以上"),
    RuleSpec(ThresholdKey.PRESIDIUM_DISABLED_OR_RELATIVE, "presidium", "disabled_or_relative",
             Decimal(65), "改革方案二(一)2：主席团委员中残疾人及残疾人亲友的比例提高到65%以上"),
    RuleSpec(ThresholdKey.PRESIDIUM_ROLE_MODEL_OR_GRASSROOTS, "presidium",
             "role_model_or_grassroots", Decimal(35),
             "改革方案二(一)2：自强模范和基层一线委员比例提高到35%以上"),
    RuleSpec(ThresholdKey.STAFF_DISABLED, "staff", "disabled", Decimal(15),
             "改革方案二(二)2：县残联机关残疾人干部比例不低于15%"),
)
GRASSROOTS_DEFAULT = Decimal(30)  # 改革方案二(三)4：每年下基层时间累计不少于30天
DEFAULTS: dict[str, Decimal] = {
    **{rule.key: rule.default for rule in RULES},
    ThresholdKey.COUNCIL_GRASSROOTS_DAYS: GRASSROOTS_DEFAULT,
}
# Shares the plan asks to raise without a number (二(一)1: 适当提高农村残疾人及亲友代表、
# 助残志愿者代表的比例): shown for reference, never pass or fail.
REFERENCE_SHARES = (("congress", "rural"), ("congress", "volunteer"))


def criterion_q(criterion: str) -> Q:
    return {
        "disabled_or_relative": DISABLED_Q | Q(is_relative=True),
        "role_model_or_grassroots": Q(is_role_model=True) | Q(is_grassroots=True),
        "disabled": DISABLED_Q,
        "rural": Q(is_rural=True),
        "volunteer": Q(is_volunteer=True),
    }[criterion]


def group_holdings(group: str) -> QuerySet[PostHolding]:
    return {
        "congress": PostHolding.objects.filter(unit__kind=UnitKind.CONGRESS, post=Post.DELEGATE),
        "presidium": PostHolding.objects.filter(unit__kind=UnitKind.PRESIDIUM),
        "staff": PostHolding.objects.filter(unit__kind__in=STAFF_UNIT_KINDS,
                                            post__in=STAFF_POSTS),
    }[group]


def thresholds_for(county_code: str) -> dict[str, tuple[Decimal, bool]]:
    """Each rule's value for the county and whether it is the seed-004 default."""
    own = dict(Threshold.objects.filter(county_id=county_code).values_list("key", "value"))
    return {key: (own.get(key, default), key not in own) for key, default in DEFAULTS.items()}


@dataclass(frozen=True)
class RuleResult:
    key: str
    group: str
    criterion: str
    count: int
    total: int
    threshold: Decimal | None
    is_default: bool
    source: str

    @property
    def label(self) -> str:
        return f"{GROUP_LABELS[self.group]}中{CRITERION_LABELS[self.criterion]}的比例"

    @property
    def share(self) -> Decimal | None:
        return percent(self.count, self.total)

    @property
    def passed(self) -> bool | None:
        """None when there is no one in the group (cannot be judged) or no threshold."""
        if self.threshold is None or not self.total:
            return None
        return Decimal(self.count) * 100 >= self.threshold * self.total


@dataclass
class Composition:
    on: date
    county: Region
    rules: list[RuleResult]
    references: list[RuleResult]
    group_sizes: dict[str, int]


def composition_for(*, actor: User, on: date | None = None) -> Composition:
    """Each composition rule of seed 004 over the county's groups on a day: one aggregate query
    over the members, each counted once per group however many posts they hold in it."""
    on = on or timezone.localdate()
    county = Region.objects.get(code=county_code_of(actor))
    prefix = county.prefix
    in_group = {group: Exists(group_holdings(group).active_on(on).filter(
        member=OuterRef("pk"), unit__region__code__startswith=prefix, unit__is_active=True))
        for group in GROUP_LABELS}
    aggregates: dict[str, Any] = {f"n_{g}": Count("pk", filter=Q(e)) for g, e in in_group.items()}
    wanted = [(r.group, r.criterion) for r in RULES] + list(REFERENCE_SHARES)
    for group, criterion in wanted:
        aggregates[f"{group}__{criterion}"] = Count(
            "pk", filter=Q(in_group[group]) & criterion_q(criterion), distinct=True)
    figures = Member.objects.filter(region__code__startswith=prefix).aggregate(**aggregates)
    values = thresholds_for(county.code)
    rules = [RuleResult(rule.key, rule.group, rule.criterion,
                        figures[f"{rule.group}__{rule.criterion}"], figures[f"n_{rule.group}"],
                        values[rule.key][0], values[rule.key][1], rule.source) for rule in RULES]
    references = [RuleResult("", group, criterion, figures[f"{group}__{criterion}"],
                             figures[f"n_{group}"], None, True,
                             "改革方案二(一)1：适当提高该类代表的比例（无具体数值）")
                  for group, criterion in REFERENCE_SHARES]
    return Composition(on=on, county=county, rules=rules, references=references,
                       group_sizes={g: figures[f"n_{g}"] for g in GROUP_LABELS})


def group_members(*, actor: User, group: str, on: date | None = None) -> QuerySet[Member]:
    """The members of a composition group, for the lists under the check page."""
    on = on or timezone.localdate()
    prefix = county_code_of(actor)[:6]
    holdings = group_holdings(group).active_on(on).filter(
        unit__region__code__startswith=prefix, unit__is_active=True)
    return (Member.objects.filter(Exists(holdings.filter(member=OuterRef("pk"))))
            .select_related("region", "person").order_by("region_id", "name", "id"))


# ---------------------------------------------------------------- directory

@dataclass
class DirectoryEntry:
    region_code: str
    region_name: str
    unit: OrgUnit | None = None
    contacts: list[PostHolding] = field(default_factory=list)


DIRECTORY_POSTS = (Post.EXECUTIVE_CHAIR, Post.CHAIR, Post.LIAISON_OFFICER, Post.CONTACT)


def directory_for(*, actor: User, township: str = "", on: date | None = None
                  ) -> list[tuple[DirectoryEntry, list[DirectoryEntry]]]:
    """For each township (its federation) and each village (its association): who to call.
    Three queries: townships, villages, and the current holders of the contact posts."""
    on = on or timezone.localdate()
    prefix = _prefix(actor)
    if township and township.startswith(prefix[:9]) and len(township) >= 9:
        prefix = township[:9] if len(prefix) <= 9 else prefix
    regions = Region.objects.filter(is_active=True).order_by("code")
    townships = {r.code[:9]: DirectoryEntry(r.code, r.name) for r in regions.filter(
        level=RegionLevel.TOWNSHIP, code__startswith=prefix[:9])}
    villages: dict[str, DirectoryEntry] = {r.code: DirectoryEntry(r.code, r.name) for r in
                                           regions.filter(level=RegionLevel.VILLAGE,
                                                          code__startswith=prefix)}
    holdings = (PostHolding.objects.active_on(on)
                .filter(unit__is_active=True, post__in=DIRECTORY_POSTS,
                        unit__kind__in=(UnitKind.TOWNSHIP_FEDERATION,
                                        UnitKind.VILLAGE_ASSOCIATION),
                        unit__region__code__startswith=prefix[:9])
                .select_related("unit", "member"))
    order = {post: index for index, post in enumerate(DIRECTORY_POSTS)}
    for holding in sorted(holdings, key=lambda h: (order[h.post], h.started_on)):
        code = holding.unit.region_id
        if holding.unit.kind == UnitKind.TOWNSHIP_FEDERATION:
            entry = townships.get(code[:9]) if len(prefix) <= 9 else None
        else:
            entry = villages.get(code)
        if entry is not None:
            holding.member.phone_masked = mask_phone(holding.member.phone)  # type: ignore[attr-defined]
            entry.unit = holding.unit
            entry.contacts.append(holding)
    by_township: dict[str, list[DirectoryEntry]] = defaultdict(list)
    for code, village in villages.items():
        by_township[code[:9]].append(village)
    return [(entry, by_township.get(key, [])) for key, entry in townships.items()
            if by_township.get(key) or len(prefix) <= 9]


# ---------------------------------------------------------------- training and contact

def trainings_for(*, actor: User, year: int | None = None) -> QuerySet[TrainingSession]:
    sessions = TrainingSession.objects.visible_to(actor).select_related("region").annotate(
        attendee_count=Count("attendances"))
    if year:
        sessions = sessions.filter(held_on__year=year)
    return sessions.order_by("-held_on", "-id")


def training_get_for(*, actor: User, session_id: int) -> TrainingSession:
    try:
        return TrainingSession.objects.visible_to(actor).select_related("region").get(
            pk=session_id)
    except TrainingSession.DoesNotExist:
        raise Http404("没有找到该培训。") from None


def training_attendees(session: TrainingSession) -> list[Member]:
    return [a.member for a in session.attendances.select_related("member__region")
            .order_by("member__region_id", "member__name")]


def officers_to_train(*, actor: User, year: int, on: date | None = None
                      ) -> QuerySet[Member]:
    """The officers seed 000 says are trained every year (township 理事长 and the liaison
    officers of townships and villages) in office on `on`, each with `trained` = attended any
    training held in `year`."""
    on = on or timezone.localdate()
    officers = PostHolding.objects.active_on(on).filter(
        member=OuterRef("pk"), unit__is_active=True).filter(
        Q(unit__kind=UnitKind.TOWNSHIP_FEDERATION,
          post__in=(Post.EXECUTIVE_CHAIR, Post.LIAISON_OFFICER))
        | Q(unit__kind=UnitKind.VILLAGE_ASSOCIATION, post=Post.LIAISON_OFFICER))
    trained = TrainingAttendance.objects.filter(member=OuterRef("pk"), session__held_on__year=year)
    return (Member.objects.visible_to(actor).filter(Exists(officers))
            .annotate(trained=Exists(trained)).select_related("region")
            .order_by("trained", "region_id", "name", "id"))


@dataclass(frozen=True)
class GrassrootsRow:
    member: Member
    days: Decimal
    threshold: Decimal

    @property
    def passed(self) -> bool:
        return self.days >= self.threshold

    @property
    def short_by(self) -> Decimal:
        return max(self.threshold - self.days, Decimal(0))


def grassroots_summary(*, actor: User, year: int) -> list[GrassrootsRow]:
    """Executive-council members in office at any time of `year`, with the days they logged at
    the grassroots that year (seed 004 二(三)4: at least 30, or the county's own value)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    prefix = county_code_of(actor)[:6]
    council = PostHolding.objects.filter(
        member=OuterRef("pk"), unit__kind=UnitKind.EXECUTIVE_COUNCIL, unit__is_active=True,
        unit__region__code__startswith=prefix).overlapping(start, end)
    days = GrassrootsVisit.objects.filter(member=OuterRef("pk"), started_on__year=year).values(
        "member").annotate(total=Sum("days")).values("total")
    members = (Member.objects.visible_to(actor).filter(Exists(council))
               .annotate(days=Coalesce(Subquery(days, output_field=DecimalField()),
                                       Decimal(0), output_field=DecimalField()))
               .select_related("region").order_by("name", "id"))
    threshold = thresholds_for(county_code_of(actor))[ThresholdKey.COUNCIL_GRASSROOTS_DAYS][0]
    return [GrassrootsRow(m, Decimal(m.days), threshold) for m in members]


def grassroots_visits_for(*, actor: User, year: int) -> QuerySet[GrassrootsVisit]:
    return (GrassrootsVisit.objects.visible_to(actor).filter(started_on__year=year)
            .select_related("member", "place").order_by("-started_on", "-id"))


def council_member_choices(*, actor: User, on: date | None = None) -> list[tuple[str, str]]:
    on = on or timezone.localdate()
    prefix = county_code_of(actor)[:6]
    council = PostHolding.objects.filter(
        member=OuterRef("pk"), unit__kind=UnitKind.EXECUTIVE_COUNCIL,
        unit__region__code__startswith=prefix)
    members = Member.objects.visible_to(actor).filter(Exists(council)).order_by("name", "id")
    return [(str(m.pk), m.name) for m in members]
