"""The error every service raises when a business rule refuses an action."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action: `code` for programs, `message` (Chinese, no personal data) for people.

    `field` names the form field or import column at fault, so pages can point at it.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
