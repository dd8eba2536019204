"""Reusable querysets: the one jurisdiction scope, and append-only rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models

if TYPE_CHECKING:
    from canlian.core.models import User


def jurisdiction_prefix(user: User) -> str | None:
    """The region-code prefix a staff user may see, or None if they see no staff data.

    DESIGN.md "Users and their rooms": jurisdiction is a region code prefix (2 province, 4 city,
    6 county, 9 township, 12 village significant digits), so scoping is one indexed
    ``LIKE 'prefix%'``. Portal users (residents, volunteers) see their own records only, which
    their apps scope by ownership, never by region.
    """
    if not user.is_authenticated or not user.is_active or user.is_portal_user:
        return None
    return user.region.prefix


class JurisdictionQuerySet(models.QuerySet):
    """Subclasses name the column that holds the 12-digit region code of each row."""

    jurisdiction_field: ClassVar[str] = "region_code"

    def visible_to(self, user: User) -> Self:
        prefix = jurisdiction_prefix(user)
        if prefix is None:
            return self.none()
        return self.filter(**{f"{self.jurisdiction_field}__startswith": prefix})

    def in_region(self, code_prefix: str) -> Self:
        return self.filter(**{f"{self.jurisdiction_field}__startswith": code_prefix})


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes so no code path can rewrite or remove history."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("append-only rows cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("append-only rows cannot be deleted")
