"""The set-based write path behind `services.persons_upsert` (issue #3 §4).

For one batch of parsed rows (the importer sends a few thousand at a time):

1. each blind index is computed once (a memo per batch, canlian.registry.prepare, or ahead in
   a large import's checking process), and each identifier is encrypted once: the same
   ciphertext goes into the person row and into its history row;
2. the persons with those ID numbers, and the heads the rows name, are read by blind index in
   chunks of CHUNK keys, one query per chunk, identifiers as stored; a stored identifier is
   decrypted only to compare it (when it has no blind index) or to show it in the audit row;
3. database rules (jurisdiction, heads known and inside the actor's jurisdiction) are checked
   for every row: any error writes nothing;
4. households are planned in Python, with ids drawn up front, so a household and its head
   are each written once;
5. persons, households and household-status periods are written with their history rows
   (who, when, the whole row) and one audit row per created or changed person, through
   :mod:`canlian.registry.sqlwrite` (COPY on PostgreSQL, executemany on SQLite).

Households of existing persons are read with one query per chunk too; nothing is queried per
row. Re-running the same rows changes nothing and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import ExpressionWrapper, F, Model, TextField
from django.http import HttpRequest
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from canlian.core import audit
from canlian.core.crypto import decrypt
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.core.permissions import in_jurisdiction
from canlian.registry.models import (
    Household,
    HouseholdStatus,
    HouseholdStatusKind,
    Person,
)
from canlian.registry.prepare import (
    PERSON_DEFAULTS,
    PERSON_ENCRYPTED,
    PERSON_FIELDS,
    Memo,
    Prepared,
    heads_itself,
    person_values,
)
from canlian.registry.rows import REGION, PersonRow, RowError
from canlian.registry.sqlwrite import JsonText, TableWriter, allocate_ids

CHUNK = 1000  # keys per lookup query
INDEX_FIELDS = ("id_number_index", "id_tail_index", "phone_index", "certificate_index")
# Encrypted fields compared through their blind index instead of decrypting the stored value.
_INDEXED = {"id_number": "id_number_index", "phone": "phone_index",
            "certificate_number": "certificate_index"}
HEAD_NOT_FOUND = "户主未在您管辖范围内的库中登记，也不在本文件中"
_HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _concrete(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _history_model(model: type[Model]) -> type[Model]:
    return model.history.model  # type: ignore[attr-defined, no-any-return]


def _tracked(model: type[Model]) -> list[str]:
    return [f.attname for f in _history_model(model).tracked_fields]  # type: ignore[attr-defined]


class _Stored(dict[str, Any]):
    """A person row as stored (identifiers as ciphertext), with plaintext on demand."""

    def plain(self, name: str) -> Any:
        value = self[name]
        if name in PERSON_ENCRYPTED and value:
            return decrypt(value)
        return value


def _stored_by_index(keys: Iterable[str]) -> dict[str, _Stored]:
    """Registry rows by blind index: one query per CHUNK keys, identifiers not decrypted."""
    raw = {f"_raw_{name}": ExpressionWrapper(F(name), output_field=TextField())
           for name in PERSON_ENCRYPTED}
    plain = [name for name in _concrete(Person) if name not in PERSON_ENCRYPTED]
    wanted = sorted(set(keys))
    found: dict[str, _Stored] = {}
    for start in range(0, len(wanted), CHUNK):
        query = (Person.objects.filter(id_number_index__in=wanted[start:start + CHUNK])
                 .order_by().values(*plain, **raw))
        for values in query:
            stored = _Stored(values)
            for name in PERSON_ENCRYPTED:
                stored[name] = stored.pop(f"_raw_{name}") or ""
            found[stored["id_number_index"]] = stored
    return found


def _households_headed_by(person_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(person_ids))
    headed: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        headed.update(Household.objects.filter(head_id__in=ids[start:start + CHUNK])
                      .order_by().values_list("head_id", "id"))
    return headed


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _changed(stored: _Stored, values: Mapping[str, Any], indexes: Mapping[str, str]
             ) -> list[str]:
    changed = []
    for name, value in values.items():
        if name in _INDEXED:
            if stored[_INDEXED[name]] != indexes[_INDEXED[name]]:
                changed.append(name)
        elif stored.plain(name) != value:
            changed.append(name)
    return changed


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


class _Batch:
    """One call of persons_upsert: the rows, what is stored, and what to write."""

    def __init__(self, actor: User | None, rows: Sequence[PersonRow],
                 request: HttpRequest | None, today: date,
                 prepared: Prepared | None = None) -> None:
        self.actor, self.rows, self.request, self.today = actor, rows, request, today
        self.now = timezone.now()
        self.memo = Memo(prepared)
        self.keys = [self.memo.index(r.id_number) for r in rows]
        self.head_keys = {self.memo.index(r.head_id_number) for r in rows
                          if not heads_itself(r)}
        self.stored = _stored_by_index({*self.keys, *self.head_keys})
        self._in_scope: dict[str, bool] = {}

    def in_scope(self, region_code: str) -> bool:
        # actor None: the command line, run by the operator for the whole database.
        if self.actor is None:
            return True
        found = self._in_scope.get(region_code)
        if found is None:
            found = self._in_scope[region_code] = in_jurisdiction(self.actor, region_code)
        return found

    def errors(self) -> list[RowError]:
        """Rules that need the database: jurisdiction, and that each named head exists."""
        errors = []
        in_file = set(self.keys)
        for row, key in zip(self.rows, self.keys, strict=True):
            if not self.in_scope(row.region_code):
                errors.append(RowError(row.row, REGION, "该区划不在您的管辖范围内"))
            stored = self.stored.get(key)
            if stored is not None and not self.in_scope(stored["region_id"]):
                errors.append(RowError(row.row, "身份证号",
                                       "该人员已在您管辖范围以外登记，不能在此修改"))
            if not heads_itself(row):
                head = self.memo.index(row.head_id_number)
                known = self.stored.get(head)
                if head not in in_file and (known is None
                                            or not self.in_scope(known["region_id"])):
                    # One answer whether the number is unknown or registered outside the
                    # actor's jurisdiction: a reference by identifier must not tell which
                    # (issue 17 §1).
                    errors.append(RowError(row.row, "户主身份证号", HEAD_NOT_FOUND))
        return errors

    # ---------------------------------------------------------------- households

    def plan_households(self) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
        """The household id of every row's person, and the households to create (by the key
        of their head).

        A head keeps the household they already head; otherwise they get a new one. A member
        joins their head's household, whether the head is in this batch or already
        registered; a registered head without a household gets one.
        """
        in_batch = set(self.keys)
        heads_in_db = {k: self.stored[k] for k in self.head_keys - in_batch}
        known = [self.stored[k]["id"] for k in in_batch if k in self.stored]
        headed = _households_headed_by([*known, *(s["id"] for s in heads_in_db.values())])
        plan: dict[str, int] = {}
        new: dict[str, dict[str, Any]] = {}
        for row, key in zip(self.rows, self.keys, strict=True):
            if not heads_itself(row):
                continue
            stored = self.stored.get(key)
            if stored is not None and stored["id"] in headed:
                plan[key] = headed[stored["id"]]
            else:
                new[key] = {"region_id": row.region_code, "address": row.address}
        self.adopted: list[str] = []
        for key, head in heads_in_db.items():
            if head["household_id"] is not None:  # join the household the named person is in
                plan[key] = head["household_id"]
            else:  # a registered person with no household, named as head
                new[key] = {"region_id": head["region_id"], "address": head["address"]}
                self.adopted.append(key)
        for key, household_id in zip(new, allocate_ids(Household, len(new)), strict=True):
            new[key]["id"] = plan[key] = household_id
        members = [(key, self.memo.index(row.head_id_number))
                   for row, key in zip(self.rows, self.keys, strict=True)
                   if not heads_itself(row)]
        # A member may name another member of this batch as head: resolve such chains in turns.
        while members:
            waiting = [(key, head) for key, head in members if head not in plan]
            for key, head in members:
                if head in plan:
                    plan[key] = plan[head]
            if len(waiting) == len(members):
                raise DomainError("household_cycle", "户主关系出现循环，请检查“户主身份证号”列。")
            members = waiting
        return plan, new

    # ---------------------------------------------------------------- persons

    def _history(self, row: Mapping[str, Any], kind: str) -> list[Any]:
        user = self.actor.pk if self.actor is not None else None
        return [*(row[name] for name in _PERSON_TRACKED), self.now, None, kind, user]

    def _audit(self, action: str, person_id: int, region_code: str, summary: str,
               changes: dict[str, Any] | JsonText) -> list[Any]:
        actor = self.actor
        return [self.now, actor.pk if actor else None, actor.username if actor else "manage.py",
                action, True, "registry.person", str(person_id), summary, changes, region_code,
                audit.client_ip(self.request)]

    def write(self) -> UpsertResult:
        self.writers = _Writers()
        result = UpsertResult()
        plan, new_households = self.plan_households()
        creates: list[tuple[PersonRow, str, dict[str, Any], dict[str, str]]] = []
        updates: list[tuple[_Stored, dict[str, Any], dict[str, str], list[str]]] = []
        for row, key in zip(self.rows, self.keys, strict=True):
            stored = self.stored.get(key)
            values, indexes = person_values(row, stored, self.memo, self.today)
            values["household_id"] = plan[key]
            if stored is None:
                creates.append((row, key, values, indexes))
                continue
            changed = _changed(stored, values, indexes)
            if changed:
                updates.append((stored, values, indexes, changed))
            else:
                result.unchanged += 1
        person_ids = dict(zip((key for _, key, _, _ in creates),
                              allocate_ids(Person, len(creates)), strict=True))
        self._write_households(new_households, person_ids)
        audit_rows = self._write_creates(creates, person_ids)
        audit_rows += self._write_updates(updates)
        self._write_adopted(plan)
        self.writers.audit.insert(audit_rows)
        result.created, result.updated = len(creates), len(updates)
        self._write_statuses(plan, set(h["id"] for h in new_households.values()))
        return result

    def _write_households(self, new: dict[str, dict[str, Any]], person_ids: dict[str, int]
                          ) -> None:
        rows = []
        for key, household in new.items():
            head = person_ids.get(key)
            household["head_id"] = head if head is not None else self.stored[key]["id"]
            household["created_at"] = self.now
            rows.append(household)
        self.writers.households.insert([[h[n] for n in _HOUSEHOLD_COLUMNS] for h in rows])
        user = self.actor.pk if self.actor is not None else None
        self.writers.household_history.insert(
            [[*(h[n] for n in _HOUSEHOLD_TRACKED), self.now, None, "+", user] for h in rows])

    def _write_creates(self, creates: Sequence[tuple[PersonRow, str, dict[str, Any],
                                                     dict[str, str]]],
                       person_ids: dict[str, int]) -> list[list[Any]]:
        persons, history, audit_rows = [], [], []
        for row, key, values, indexes in creates:
            person = {**PERSON_DEFAULTS, **values, **indexes, "id": person_ids[key],
                      "created_at": self.now, "updated_at": self.now}
            logged = self.memo.created_json(row, person, self.today)
            id_number = person["id_number"]
            for name in PERSON_ENCRYPTED:
                person[name] = self.memo.encrypted(id_number, name, person[name])
            persons.append([person[name] for name in _PERSON_COLUMNS])
            history.append(self._history(person, "+"))
            audit_rows.append(self._audit(AuditAction.CREATE, person["id"], person["region_id"],
                                          "新增残疾人", logged))
        self.writers.persons.insert(persons)
        self.writers.person_history.insert(history)
        return audit_rows

    def _write_updates(self, updates: Sequence[tuple[_Stored, dict[str, Any], dict[str, str],
                                                     list[str]]]) -> list[list[Any]]:
        changed_rows, history, audit_rows = [], [], []
        for stored, values, indexes, changed in updates:
            before = {name: stored.plain(name) for name in changed}
            logged = audit.diff(before, {name: values[name] for name in changed})
            person = _Stored(stored)
            for name in changed:
                value = values[name]
                person[name] = self.memo.encrypted(values["id_number"], name, value) \
                    if name in PERSON_ENCRYPTED else value
            person.update(indexes)
            person["updated_at"] = self.now
            changed_rows.append([*(person[name] for name in _UPDATED_COLUMNS), person["id"]])
            history.append(self._history(person, "~"))
            audit_rows.append(self._audit(AuditAction.UPDATE, person["id"], person["region_id"],
                                          "修改残疾人信息", logged))
        self.writers.person_updates.update(changed_rows)
        self.writers.person_history.insert(history)
        return audit_rows

    def _write_adopted(self, plan: dict[str, int]) -> None:
        """Registered persons without a household, named as head: they head the new one."""
        rows, history = [], []
        for key in self.adopted:
            person = _Stored(self.stored[key])
            person["household_id"] = plan[key]
            rows.append([plan[key], self.now, person["id"]])
            history.append(self._history(person, "~"))
        self.writers.person_household.update(rows)
        self.writers.person_history.insert(history)

    # ---------------------------------------------------------------- household statuses

    def _write_statuses(self, plan: dict[str, int], new_households: set[int]) -> None:
        """低保 / 特困 flags become periods by month: opened this month, closed last month."""
        this_month = self.today.replace(day=1)
        previous_month = (this_month - timedelta(days=1)).replace(day=1)
        wanted: dict[tuple[int, str], bool] = {}
        for row, key in zip(self.rows, self.keys, strict=True):
            household_id = plan[key]
            for kind, flag in ((HouseholdStatusKind.DIBAO, row.is_dibao),
                               (HouseholdStatusKind.TEKUN, row.is_tekun)):
                if flag is not None:
                    wanted[(household_id, kind)] = wanted.get((household_id, kind), False) or flag
        if not wanted:
            return
        registered = sorted({h for h, _ in wanted} - new_households)
        open_periods: dict[tuple[int, str], HouseholdStatus] = {}
        for start in range(0, len(registered), CHUNK):
            for period in HouseholdStatus.objects.filter(
                    household_id__in=registered[start:start + CHUNK], end_month__isnull=True):
                open_periods[(period.household_id, period.kind)] = period
        to_open, to_close, to_drop = [], [], []
        for (household_id, kind), flag in wanted.items():
            period = open_periods.get((household_id, kind))
            if flag and period is None:
                to_open.append((household_id, kind))
            elif not flag and period is not None:
                if period.start_month >= this_month:
                    to_drop.append(period.pk)  # opened this month by mistake: nothing to keep
                else:
                    period.end_month = previous_month
                    to_close.append(period)
        ids = allocate_ids(HouseholdStatus, len(to_open))
        opened = [{"id": pk, "household_id": household_id, "kind": kind,
                   "start_month": this_month, "end_month": None, "note": ""}
                  for pk, (household_id, kind) in zip(ids, to_open, strict=True)]
        self.writers.statuses.insert([[s[n] for n in _STATUS_COLUMNS] for s in opened])
        user = self.actor.pk if self.actor is not None else None
        self.writers.status_history.insert(
            [[*(s[n] for n in _STATUS_TRACKED), self.now, None, "+", user] for s in opened])
        if to_close:
            bulk_update_with_history(to_close, HouseholdStatus, ["end_month"],
                                     default_user=self.actor)
        for period in HouseholdStatus.objects.filter(pk__in=to_drop):
            period._history_user = self.actor  # type: ignore[attr-defined]
            period.delete()


# --------------------------------------------------------------------------------------------
# Column lists and table writers (built on first use: the connection decides the adapters)
# --------------------------------------------------------------------------------------------


_PERSON_COLUMNS = _concrete(Person)
_PERSON_TRACKED = _tracked(Person)
_UPDATED_COLUMNS = [name for name in _PERSON_COLUMNS if name not in ("id", "created_at")]
_HOUSEHOLD_COLUMNS = ["id", "region_id", "head_id", "address", "created_at"]
_HOUSEHOLD_TRACKED = _tracked(Household)
_STATUS_COLUMNS = ["id", "household_id", "kind", "start_month", "end_month", "note"]
_STATUS_TRACKED = _tracked(HouseholdStatus)
_AUDIT_COLUMNS = ["at", "actor_id", "actor_username", "action", "success", "object_type",
                  "object_id", "summary", "changes", "region_code", "ip_address"]



class _Writers:
    """The table writers of one batch (cheap to build; the connection picks the adapters)."""

    def __init__(self) -> None:
        history = [*_HISTORY_FIELDS]
        self.persons = TableWriter(Person, _PERSON_COLUMNS)
        self.person_updates = TableWriter(Person, _UPDATED_COLUMNS)
        self.person_household = TableWriter(Person, ["household_id", "updated_at"])
        self.person_history = TableWriter(_history_model(Person), [*_PERSON_TRACKED, *history])
        self.households = TableWriter(Household, _HOUSEHOLD_COLUMNS)
        self.household_history = TableWriter(_history_model(Household),
                                             [*_HOUSEHOLD_TRACKED, *history])
        self.statuses = TableWriter(HouseholdStatus, _STATUS_COLUMNS)
        self.status_history = TableWriter(_history_model(HouseholdStatus),
                                          [*_STATUS_TRACKED, *history])
        self.audit = TableWriter(AuditEvent, _AUDIT_COLUMNS)


def persons_write(*, actor: User | None, rows: Sequence[PersonRow],
                  request: HttpRequest | None, today: date,
                  prepared: Prepared | None = None) -> UpsertResult:
    """See services.persons_upsert: all or nothing, any error writes nothing."""
    batch = _Batch(actor, rows, request, today, prepared)
    errors = batch.errors()
    if errors:
        return UpsertResult(errors=errors)
    with transaction.atomic():
        return batch.write()


__all__ = ["CHUNK", "INDEX_FIELDS", "PERSON_FIELDS", "UpsertResult", "persons_write"]
