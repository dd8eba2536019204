"""The annual dynamic update (动态更新, issue #8 §5; DOMAIN.md §9 动态1表).

The questionnaire is data: items with codes, types, options and skip logic (`show_if`, a small
JSON condition tree evaluated here — never Python's eval), loaded from a YAML file as a new
version whenever it changes. Answers are collected per person (a liaison officer's phone page
or an imported sheet); answers to items the skip logic hides are dropped. An answer that
contradicts the registry becomes a SurveyProposal; staff apply it through the registry's own
write path (the same person_save a reviewed change request uses) or dismiss it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import IdNumberError, parse_id_number
from canlian.core.models import AuditAction, Region, User
from canlian.core.permissions import in_jurisdiction
from canlian.crosscheck.models import (
    ProposalStatus,
    Questionnaire,
    SurveyChannel,
    SurveyProposal,
    SurveyResponse,
)
from canlian.crosscheck.permissions import can_review_survey
from canlian.registry.forms import person_payload
from canlian.registry.models import HouseholdStatus, LivingStatus, Person
from canlian.registry.rows import COLUMNS as REGISTRY_COLUMNS
from canlian.registry.rows import RowError, parse_rows
from canlian.registry.services import household_status_open, person_save

FORMAT = "canlian-questionnaire/1"
TYPES = frozenset({"choice", "multi", "text", "number", "date"})
STATUS_TARGET = "status:"
TARGET_RATE = 95  # percent door-to-door (DOMAIN.md §9)
MAX_TEXT = 100


# ------------------------------------------------------------------ definition and skip logic

def _fail(message: str) -> DomainError:
    return DomainError("questionnaire", message)


def _check_condition(condition: Any, known: set[str], where: str) -> None:
    if not isinstance(condition, dict) or len(condition) == 0:
        raise _fail(f"{where}：show_if 应为条件对象")
    if "all" in condition or "any" in condition:
        parts = condition.get("all", condition.get("any"))
        if not isinstance(parts, list) or not parts:
            raise _fail(f"{where}：all/any 应为非空列表")
        for part in parts:
            _check_condition(part, known, where)
    elif "not" in condition:
        _check_condition(condition["not"], known, where)
    elif "item" in condition:
        if condition["item"] not in known:
            raise _fail(f"{where}：show_if 引用的题目 {condition['item']} 须在本题之前")
        if not ({"in", "answered"} & set(condition)):
            raise _fail(f"{where}：条件须写 in 或 answered")
    else:
        raise _fail(f"{where}：无法识别的条件")


def definition_check(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A questionnaire file's content, checked; raises DomainError naming the item."""
    if raw.get("format") != FORMAT:
        raise _fail(f"文件格式应为 {FORMAT}")
    for key in ("code", "version", "year", "title", "items"):
        if not raw.get(key):
            raise _fail(f"缺少 {key}")
    known: set[str] = set()
    items = []
    for index, item in enumerate(raw["items"], start=1):
        where = f"第 {index} 题"
        code = str(item.get("code", ""))
        if not code or code in known:
            raise _fail(f"{where}：题目代码为空或重复")
        where = f"题目 {code}"
        if item.get("type") not in TYPES:
            raise _fail(f"{where}：题型应为 {'、'.join(sorted(TYPES))}")
        options = {str(k): str(v) for k, v in (item.get("options") or {}).items()}
        if item["type"] in ("choice", "multi") and not options:
            raise _fail(f"{where}：选择题须列出选项")
        if "show_if" in item:
            _check_condition(item["show_if"], known, where)
        registry = item.get("registry")
        if registry and registry.get("column") not in REGISTRY_COLUMNS:
            raise _fail(f"{where}：registry.column 应为基础库导入模板的列名")
        status = {str(k): str(v) for k, v in (item.get("status") or {}).items()}
        if any(k not in options or v not in ("dibao", "tekun") for k, v in status.items()):
            raise _fail(f"{where}：status 应把选项代码对应到 dibao 或 tekun")
        known.add(code)
        items.append({"code": code, "area": str(item.get("area", "")),
                      "label": str(item.get("label", code)), "type": item["type"],
                      "options": options, "required": bool(item.get("required")),
                      "show_if": item.get("show_if"), "registry": registry or None,
                      "status": status or None})
    return {"items": items}


def shown(condition: Any, answers: Mapping[str, Any]) -> bool:
    """Whether an item with this `show_if` is asked, given the answers so far."""
    if condition is None:
        return True
    if "all" in condition:
        return all(shown(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(shown(part, answers) for part in condition["any"])
    if "not" in condition:
        return not shown(condition["not"], answers)
    value = answers.get(condition["item"])
    if "answered" in condition:
        return bool(value) == bool(condition["answered"])
    wanted = {str(v) for v in condition["in"]}
    values = set(value) if isinstance(value, list) else {str(value)} if value else set()
    return bool(values & wanted)


def describe_condition(condition: Any, labels: Mapping[str, str]) -> str:
    """The skip rule in words, shown next to the item (works without JavaScript)."""
    if condition is None:
        return ""
    if "all" in condition:
        return "且".join(describe_condition(c, labels) for c in condition["all"])
    if "any" in condition:
        return "或".join(describe_condition(c, labels) for c in condition["any"])
    if "not" in condition:
        return f"非（{describe_condition(condition['not'], labels)}）"
    name = labels.get(condition["item"], condition["item"])
    if "answered" in condition:
        return f"已填写“{name}”" if condition["answered"] else f"未填写“{name}”"
    return f"“{name}”为{'/'.join(str(v) for v in condition['in'])}"


@dataclass
class LoadResult:
    questionnaire: Questionnaire
    created: bool


@transaction.atomic
def questionnaire_load(*, text: str) -> LoadResult:
    """Load a questionnaire file; the same content again changes nothing, a changed one under
    the same version is refused (publish a new version instead)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail("文件不是有效的 YAML") from exc
    if not isinstance(raw, dict):
        raise _fail("文件内容应为问卷定义")
    definition = definition_check(raw)
    code, version = str(raw["code"]), int(raw["version"])
    existing = Questionnaire.objects.filter(code=code, version=version).first()
    if existing is not None:
        if existing.definition != definition:
            raise _fail(f"问卷 {code} 第 {version} 版已载入且内容不同，请提高版本号")
        return LoadResult(existing, False)
    Questionnaire.objects.filter(code=code).update(is_active=False)
    questionnaire = Questionnaire.objects.create(code=code, version=version,
                                                 year=int(raw["year"]), title=str(raw["title"]),
                                                 definition=definition, is_active=True)
    return LoadResult(questionnaire, True)


def active_questionnaire() -> Questionnaire | None:
    return Questionnaire.objects.filter(is_active=True).order_by("-year", "-version").first()


# ------------------------------------------------------------------ answers

def _clean_value(item: dict[str, Any], raw: Any) -> tuple[Any, str]:
    """(value, error) for one answer; empty values are None."""
    kind, options = item["type"], item["options"]
    if raw in (None, "", []):
        return None, ""
    if kind == "multi":
        values = raw if isinstance(raw, list) else [p for p in str(raw).replace("，", ",")
                                                     .replace("、", ",").split(",") if p]
        values = [str(v).strip() for v in values]
        if any(v not in options for v in values):
            return None, f"应为选项代码 {'、'.join(options)}"
        return sorted(set(values)), ""
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if kind == "choice":
        return (text, "") if text in options else (None, f"应为选项代码 {'、'.join(options)}")
    if kind == "number":
        try:
            return str(int(text)), ""
        except ValueError:
            return None, "应为整数"
    if kind == "date":
        if isinstance(raw, date):
            return raw.isoformat()[:10], ""
        try:
            return date.fromisoformat(text[:10]).isoformat(), ""
        except ValueError:
            return None, "应为日期，如 2026-01-31"
    return (text, "") if len(text) <= MAX_TEXT else (None, f"不能超过 {MAX_TEXT} 个字")


def answers_clean(questionnaire: Questionnaire, raw: Mapping[str, Any]
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """Checked answers in item order, hidden items dropped; errors by item code."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in questionnaire.definition["items"]:
        if not shown(item["show_if"], answers):
            continue
        value, error = _clean_value(item, raw.get(item["code"]))
        if error:
            errors[item["code"]] = error
        elif value is None and item["required"]:
            errors[item["code"]] = "请填写"
        elif value is not None:
            answers[item["code"]] = value
    return answers, errors


def _contradictions(questionnaire: Questionnaire, person: Person, answers: Mapping[str, Any]
                    ) -> list[tuple[str, str, str, str]]:
    """(item, target, current, proposed) where an answer disagrees with the registry."""
    found = []
    payload = person_payload(person)
    statuses = set()
    if person.household_id is not None:
        statuses = set(HouseholdStatus.objects.active_in_month(timezone.localdate())
                       .filter(household_id=person.household_id)
                       .values_list("kind", flat=True))
    for item in questionnaire.definition["items"]:
        value = answers.get(item["code"])
        if value is None:
            continue
        registry = item.get("registry")
        if registry:
            column = registry["column"]
            proposed = registry.get("values", {}).get(value, value)
            current = payload.get(column, "")
            if str(proposed) != str(current):
                found.append((item["code"], column, current, str(proposed)))
        for code, status in (item.get("status") or {}).items():
            if code in value and status not in statuses:
                found.append((item["code"], STATUS_TARGET + status, "否", "是"))
    return found


@transaction.atomic
def survey_response_save(*, actor: User, questionnaire: Questionnaire, person: Person,
                         raw: Mapping[str, Any], channel: str = SurveyChannel.DOOR,
                         request: HttpRequest | None = None) -> SurveyResponse:
    """Save (or replace) the person's answers; contradictions become open proposals."""
    if not in_jurisdiction(actor, person.region_id):
        raise DomainError("jurisdiction", "该人员不在您的管辖范围内。")
    answers, errors = answers_clean(questionnaire, raw)
    if errors:
        code, message = next(iter(errors.items()))
        raise DomainError("answers", f"{code}：{message}", field=code)
    response, created = SurveyResponse.objects.update_or_create(
        questionnaire=questionnaire, person=person,
        defaults={"answers": answers, "channel": channel, "collected_by": actor,
                  "collected_at": timezone.now(), "region_code": person.region_id})
    response.proposals.filter(status=ProposalStatus.OPEN).delete()
    SurveyProposal.objects.bulk_create([
        SurveyProposal(response=response, person=person, region_code=person.region_id,
                       item=item, target=target, current_value=current[:100],
                       proposed_value=proposed[:100])
        for item, target, current, proposed in _contradictions(questionnaire, person, answers)])
    audit.audit_record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
                       obj=response, summary=f"动态更新采集（{SurveyChannel(channel).label}）",
                       changes={"items": len(answers)}, request=request)
    return response


# ------------------------------------------------------------------ import of answers

@dataclass
class AnswerImport:
    saved: int = 0
    errors: list[RowError] = field(default_factory=list)


def survey_answers_import(*, actor: User, questionnaire: Questionnaire,
                          header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> AnswerImport:
    """A sheet with 身份证号 and one column per item code; all rows or none."""
    columns = {str(c).strip(): i for i, c in enumerate(header) if c not in (None, "")}
    result = AnswerImport()
    if "身份证号" not in columns:
        result.errors.append(RowError(1, "身份证号", "缺少必填列：身份证号"))
        return result
    codes = [item["code"] for item in questionnaire.definition["items"]]
    pending = []
    for offset, cells in enumerate(rows):
        number = offset + 2
        cell = cells[columns["身份证号"]] if columns["身份证号"] < len(cells) else ""
        try:
            id_number = parse_id_number(str(cell or "")).number
        except IdNumberError as exc:
            result.errors.append(RowError(number, "身份证号", exc.message))
            continue
        person = (Person.objects.visible_to(actor)
                  .filter(id_number_index=blind_index(id_number)).first())
        if person is None:
            result.errors.append(RowError(number, "身份证号", "您辖区的基础库中没有此人"))
            continue
        if not person.is_disabled:
            result.errors.append(RowError(number, "身份证号",
                                          "此人是户内成员（无残疾），不在动态更新调查范围内"))
            continue
        raw = {code: cells[columns[code]] for code in codes
               if code in columns and columns[code] < len(cells)}
        _, errors = answers_clean(questionnaire, raw)
        result.errors += [RowError(number, code, message) for code, message in errors.items()]
        pending.append((person, raw))
    if result.errors:
        return result
    with transaction.atomic():
        for person, raw in pending:
            survey_response_save(actor=actor, questionnaire=questionnaire, person=person,
                                 raw=raw, channel=SurveyChannel.IMPORT)
            result.saved += 1
    return result


# ------------------------------------------------------------------ completion

@dataclass
class VillageRate:
    code: str
    name: str
    persons: int
    done: int

    @property
    def percent(self) -> float:
        return round(self.done * 100 / self.persons, 1) if self.persons else 100.0

    @property
    def meets_target(self) -> bool:
        return self.percent >= TARGET_RATE


def survey_population(actor: User) -> Any:
    """Whom the annual update surveys: the living disabled persons of the actor's area, not
    their household members (issue 16 §6)."""
    return Person.objects.visible_to(actor).disabled().filter(living_status=LivingStatus.ALIVE)


def completion_by_village(*, actor: User, questionnaire: Questionnaire) -> list[VillageRate]:
    """Living disabled persons in each village (the target) and how many of them have
    answered: two grouped queries."""
    persons = dict(survey_population(actor).values_list("region_id").annotate(n=Count("pk"))
                   .order_by())
    done = dict(SurveyResponse.objects.visible_to(actor)
                .filter(questionnaire=questionnaire,
                        person__in=survey_population(actor).values("pk"))
                .values_list("region_code").annotate(n=Count("pk")).order_by())
    names = dict(Region.objects.filter(code__in=persons).values_list("code", "name"))
    return [VillageRate(code, names.get(code, code), n, done.get(code, 0))
            for code, n in sorted(persons.items())]


# ------------------------------------------------------------------ proposals

def _apply_column(actor: User, proposal: SurveyProposal, request: HttpRequest | None) -> None:
    person = proposal.person
    payload = person_payload(person)
    payload[proposal.target] = proposal.proposed_value
    if proposal.target == "生存状态":
        answers = proposal.response.answers
        item = next((i for i in proposal.response.questionnaire.definition["items"]
                     if i["code"] == proposal.item), {})
        on = answers.get((item.get("registry") or {}).get("date_item", ""), "")
        if proposal.proposed_value == "死亡":
            payload["死亡日期"] = on
        else:
            payload["死亡日期"] = ""
    parsed = parse_rows(list(payload), [list(payload.values())])
    if parsed.errors or parsed.file_errors or not parsed.rows:
        messages = [e.message for e in parsed.errors] + parsed.file_errors
        raise DomainError("invalid", "该变更不符合基础库规则：" + "；".join(messages))
    person_save(actor=actor, row=parsed.rows[0], person=person, request=request)


@transaction.atomic
def proposal_decide(*, actor: User, proposal: SurveyProposal, apply: bool, note: str = "",
                    request: HttpRequest | None = None) -> SurveyProposal:
    if not can_review_survey(actor):
        raise DomainError("wrong_role", "您的角色不能审核动态更新变更。")
    locked = (SurveyProposal.objects.select_for_update()
              .select_related("person", "response__questionnaire").get(pk=proposal.pk))
    if not in_jurisdiction(actor, locked.region_code):
        raise DomainError("jurisdiction", "该人员不在您的管辖范围内。")
    if locked.status != ProposalStatus.OPEN:
        raise DomainError("not_open", "该变更建议已处理。")
    if not apply and not note.strip():
        raise DomainError("reason_required", "不予更新须填写理由。", field="note")
    if apply and locked.target.startswith(STATUS_TARGET):
        today = timezone.localdate().replace(day=1)
        household_status_open(actor=actor, person=locked.person,
                              kind=locked.target.removeprefix(STATUS_TARGET),
                              start_month=today, end_month=None,
                              note="年度动态更新", request=request)
    elif apply:
        _apply_column(actor, locked, request)
    locked.status = ProposalStatus.APPLIED if apply else ProposalStatus.DISMISSED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.decision_note = note.strip()[:300]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary="动态更新变更：" + ("已更新基础库" if apply else "不予更新"),
                       changes={"item": locked.item, "target": locked.target}, request=request)
    return locked


def proposals_for(actor: User) -> Any:
    return (SurveyProposal.objects.visible_to(actor).filter(status=ProposalStatus.OPEN)
            .select_related("person", "response").order_by("region_code", "pk"))


def persons_to_survey(*, actor: User, questionnaire: Questionnaire) -> Any:
    done = SurveyResponse.objects.filter(questionnaire=questionnaire, person=OuterRef("pk"))
    return (survey_population(actor).annotate(done=Exists(done)).select_related("region")
            .order_by("region_id", "name_initials", "pk"))
