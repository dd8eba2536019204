"""One scoping mechanism, `visible_to(user)` (DESIGN.md "Users and their rooms").

"Too little" is tested as hard as "too much": a township officer sees every village of the
township, county staff see the whole county.
"""

from __future__ import annotations

from collections.abc import Callable

from canlian.core.models import Region, User
from canlian.core.roles import Role


def _visible_regions(actor: User) -> set[str]:
    return set(User.objects.visible_to(actor).values_list("region_id", flat=True))


def test_township_officer_sees_every_village_of_the_township(
    personas: dict[str, User], regions: dict[str, str], make_user: Callable[..., User]
) -> None:
    # A user in every village of 楚米镇, and one in 松坎镇.
    chumi_villages = list(Region.objects.filter(code__startswith="520322101", level="village")
                          .values_list("code", flat=True))
    assert len(chumi_villages) > 2
    for code in chumi_villages:
        make_user(Role.VILLAGE_LIAISON, code)
    seen = _visible_regions(personas["township_staff"])
    assert set(chumi_villages) <= seen
    assert regions["township_a"] in seen
    assert regions["village_b"] not in seen
    assert all(code.startswith("520322101") for code in seen)


def test_county_staff_see_the_whole_county_and_nothing_outside(
    personas: dict[str, User], regions: dict[str, str], make_user: Callable[..., User]
) -> None:
    make_user(Role.VILLAGE_LIAISON, regions["village_a2"])
    seen = _visible_regions(personas["county_staff"])
    for key in ("county", "township_a", "village_a", "village_a2", "village_b"):
        assert regions[key] in seen
    assert regions["other_county"] not in seen


def test_village_liaison_sees_only_own_village(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    assert _visible_regions(personas["village_liaison"]) == {regions["village_a"]}
    assert _visible_regions(personas["liaison_b"]) == {regions["village_b"]}


def test_portal_users_and_inactive_staff_see_no_staff_data(personas: dict[str, User]) -> None:
    assert not User.objects.visible_to(personas["resident"]).exists()
    assert not User.objects.visible_to(personas["volunteer"]).exists()
    staff = personas["county_staff"]
    staff.is_active = False
    assert not User.objects.visible_to(staff).exists()


def test_jurisdiction_prefix_follows_region_level(personas: dict[str, User]) -> None:
    """DOMAIN.md §0.2: prefix of 2/4/6/9/12 significant digits by level."""
    assert personas["county_staff"].region.prefix == "520322"
    assert personas["township_staff"].region.prefix == "520322101"
    assert len(personas["village_liaison"].region.prefix) == 12
    assert Region.objects.get(code="520000000000").prefix == "52"
    assert Region.objects.get(code="520300000000").prefix == "5203"
