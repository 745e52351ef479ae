"""Errors operations raise; each carries a code the web layer turns into a translated message."""

from __future__ import annotations

from typing import Any


class OperationError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ValidationFailed(OperationError):
    """Input broke a rule; `field` names the form field when there is one."""

    def __init__(self, code: str, field: str | None = None, **params: Any) -> None:
        super().__init__(code, **params)
        self.field = field


class FormInvalid(ValidationFailed):
    """Several fields broke their rules at once: `problems` lists each (the first is this
    error's own code and field), so a form can show them all, each beside its field."""

    def __init__(self, problems: list[ValidationFailed]) -> None:
        first = problems[0]
        super().__init__(first.code, field=first.field, **first.params)
        self.problems = problems


def raise_all(problems: list[ValidationFailed]) -> None:
    """Raise the one problem, or all of them together; nothing when the list is empty."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise FormInvalid(problems)


class PermissionDenied(OperationError):
    pass


class NotFound(OperationError):
    pass
