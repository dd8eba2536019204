"""Who may do what, as pure functions of the actor and the object (one condition per line)."""

from __future__ import annotations

from canlian.core.models import AccountRequest, User
from canlian.core.roles import ADMIN_ROLES, Role


def in_jurisdiction(actor: User, region_code: str) -> bool:
    return (
        actor.is_active
        and not actor.is_portal_user
        and region_code.startswith(actor.region.prefix)
    )


def can_manage_user(actor: User, target: User) -> bool:
    """系统管理员 manages accounts inside their jurisdiction, but not their own role or state."""
    return (
        actor.role == Role.COUNTY_ADMIN
        and in_jurisdiction(actor, target.region_id)
        and actor.pk != target.pk
    )


def can_unlock_user(actor: User, target: User) -> bool:
    return actor.role == Role.SECURITY_ADMIN and in_jurisdiction(actor, target.region_id)


def can_reveal_user_identifiers(actor: User, target: User) -> bool:
    """Only the 系统管理员 sees a user's full phone or ID number, and doing so is audited."""
    return actor.role == Role.COUNTY_ADMIN and in_jurisdiction(actor, target.region_id)


def can_manage_tokens(actor: User, owner: User) -> bool:
    """The 安全管理员 lists and revokes API tokens of accounts in their jurisdiction."""
    return actor.role == Role.SECURITY_ADMIN and in_jurisdiction(actor, owner.region_id)


def needs_account_request(role: str, target: User | None = None) -> bool:
    """等保 三员分立: creating, changing or resetting an administrator account (or making an
    account one) goes through a request another administrator role approves."""
    return role in ADMIN_ROLES or (target is not None and target.role in ADMIN_ROLES)


def can_decide_account_request(actor: User, account_request: AccountRequest) -> bool:
    """等保 三员分立: a change to an administrator account asked for by the 系统管理员 takes
    effect when another administrator role approves it, never the asker, never its subject."""
    return (
        actor.role in (Role.SECURITY_ADMIN, Role.AUDITOR)
        and in_jurisdiction(actor, account_request.region_id)
        and actor.pk != account_request.requested_by_id
        and actor.pk != account_request.target_id
    )
