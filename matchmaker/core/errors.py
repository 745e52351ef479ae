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


class PermissionDenied(OperationError):
    pass


class NotFound(OperationError):
    pass
