"""Which unit handles a case: routed by region and category (issue #7 item 3)."""

from __future__ import annotations

from canlian.cases.models import CaseRoute
from canlian.core.models import LEVEL_DIGITS, RegionLevel
from canlian.organizations.models import OrgUnit, UnitKind


def ancestor_codes(region_code: str) -> list[str]:
    """The 12-digit codes of a region and every region above it, most specific first."""
    codes = []
    for level in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY,
                  RegionLevel.CITY, RegionLevel.PROVINCE):
        code = region_code[: LEVEL_DIGITS[level]].ljust(12, "0")
        if code not in codes:
            codes.append(code)
    return codes


def route_unit(region_code: str, category: str) -> OrgUnit | None:
    """The most specific route (a category route before a catch-all one at the same area);
    without one the township federation, else the county federation (two queries at most)."""
    codes = ancestor_codes(region_code)
    routes = list(CaseRoute.objects.filter(region_id__in=codes, category__in=[category, ""])
                  .select_related("unit"))
    if routes:
        routes.sort(key=lambda r: (codes.index(r.region_id), r.category == ""))
        return routes[0].unit
    federations = {u.kind: u for u in OrgUnit.objects.filter(
        is_active=True, region_id__in=codes[1:3],
        kind__in=[UnitKind.TOWNSHIP_FEDERATION, UnitKind.COUNTY_FEDERATION])}
    return (federations.get(UnitKind.TOWNSHIP_FEDERATION)
            or federations.get(UnitKind.COUNTY_FEDERATION))


def unit_above(unit: OrgUnit) -> OrgUnit | None:
    """The body above a unit: its parent, or for a township federation without one, the
    county federation of its county (信访 复查 goes to the next-higher body)."""
    if unit.parent_id is not None:
        return unit.parent
    if unit.kind == UnitKind.COUNTY_FEDERATION:
        return None
    county = unit.region_id[:6].ljust(12, "0")
    return OrgUnit.objects.filter(kind=UnitKind.COUNTY_FEDERATION, region_id=county,
                                  is_active=True).exclude(pk=unit.pk).first()
