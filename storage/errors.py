"""The base of every error a user may be told about. It lives in the lowest layer so that storage's own refusals
(an image or a spreadsheet refused, a contacts file rejected) are among them without storage importing ``bot``;
the services' errors (``bot.services.errors``) derive from it too, and the handlers render them all alike."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user may be told about."""

    code = "domain_error"

    def __init_subclass__(cls, code: str | None = None, **kwargs: Any) -> None:
        # ``class NotFound(DomainError, code="not_found")``: the code stands in the class line, so a family of
        # errors reads as one list of names, codes and docstrings
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, **params: Any) -> None:
        super().__init__(f"{self.code}: {params}" if params else self.code)
        self.params = params

    def __reduce__(self) -> tuple[Any, ...]:
        # crosses back from a worker process (``storage.untrusted_worker``) whatever the subclass's __init__
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[DomainError], args: tuple[Any, ...], state: dict[str, Any]) -> DomainError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error
