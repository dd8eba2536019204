"""manage.py run_eligibility --month YYYY-MM [--json] [--user USERNAME] — the eligibility run
(资格比对) of the page, synchronously, as a county-level actor.

An operator command: with --json the 待纳入 and 应停发 lists carry full ID numbers, for handing
to the county's own systems; the run is audited like the page's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from canlian.benefits.eligibility import eligibility_run_execute, eligibility_run_start
from canlian.benefits.models import EligibilityGap, GapKind, Policy
from canlian.benefits.months import parse_month
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, RegionLevel, User
from canlian.core.roles import Role


def default_actor() -> User | None:
    """The first active county staff user whose region is a county."""
    return (User.objects.filter(role=Role.COUNTY_STAFF, is_active=True,
                                region__level=RegionLevel.COUNTY)
            .select_related("region").order_by("pk").first())


def _actor(username: str | None) -> User:
    if username is None:
        actor = default_actor()
        if actor is None:
            raise CommandError("没有可用的县级残联工作人员账户，请用 --user 指定。")
        return actor
    actor = User.objects.select_related("region").filter(username=username).first()
    if actor is None or not actor.is_active:
        raise CommandError(f"账户“{username}”不存在或已停用。")
    if actor.role != Role.COUNTY_STAFF:
        raise CommandError(f"账户“{username}”不是县残联工作人员，不能发起资格比对。")
    return actor


class Command(BaseCommand):
    help = "按月进行两项补贴等政策的资格比对（待纳入、应停发）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="比对月份，YYYY-MM")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="以 JSON 输出（含完整身份证号）")
        parser.add_argument("--user", default=None, help="以该县残联工作人员身份运行")

    def handle(self, *args: Any, month: str, as_json: bool, user: str | None,
               **options: Any) -> None:
        try:
            first = parse_month(month)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        actor = _actor(user)
        run = eligibility_run_start(actor=actor, month=first)
        summary = eligibility_run_execute(run=run)
        with transaction.atomic():
            to_enrol = sum(s["to_enrol"] for s in summary.values())
            to_stop = sum(s["to_stop"] for s in summary.values())
            audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=run,
                               region_code=run.region_id,
                               summary=f"资格比对（命令行）{run.month:%Y年%m月}：待纳入 {to_enrol} "
                                       f"人，应停发 {to_stop} 人")
        if as_json:
            self.stdout.write(json.dumps(self._results(run.pk, summary), ensure_ascii=False))
        else:
            self._table(run.month, summary)

    def _results(self, run_id: int, summary: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
        codes = dict(Policy.objects.values_list("pk", "code"))
        to_enrol: dict[str, list[str]] = defaultdict(list)
        to_stop: dict[str, list[dict[str, str]]] = defaultdict(list)
        gaps = (EligibilityGap.objects.filter(run_id=run_id).select_related("person")
                .only("policy_id", "kind", "reason", "person__id_number")
                .order_by("policy_id", "region_id", "person_id"))
        for gap in gaps.iterator(chunk_size=2000):
            code = codes[gap.policy_id]
            if gap.kind == GapKind.TO_ENROL:
                to_enrol[code].append(gap.person.id_number)
            else:
                to_stop[code].append({"id": gap.person.id_number, "reason": gap.reason})
        return [{"policy": code, "eligible": s["eligible"], "enrolled": s["enrolled"],
                 "to_enrol": to_enrol[code], "to_stop": to_stop[code]}
                for code, s in summary.items()]

    def _table(self, month: Any, summary: dict[str, dict[str, int]]) -> None:
        names = dict(Policy.objects.values_list("code", "name"))
        self.stdout.write(f"资格比对 {month:%Y年%m月}")
        self.stdout.write(f"{'政策':<24}{'符合条件':>8}{'享受中':>8}{'待纳入':>8}{'应停发':>8}")
        for code, s in summary.items():
            name = names.get(code, code)
            # CJK characters are two columns wide in a terminal.
            pad = max(0, 30 - 2 * len(name))
            self.stdout.write(f"{name}{' ' * pad}{s['eligible']:>10}{s['enrolled']:>10}"
                              f"{s['to_enrol']:>10}{s['to_stop']:>10}")
        if not summary:
            self.stdout.write("（管辖范围内没有启用的政策）")
