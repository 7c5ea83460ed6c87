"""Expected failures: one clear paragraph for the user, a non-zero exit, no traceback.

Anything raised as a :class:`WorkbenchError` is an error the user can act on (bad
configuration, an unreachable server, a bad migration file).  The CLI prints its message
and hint and exits with its code; every other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

#: Exit codes shared by every command (the linter's spec fixes 0/1/2).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class WorkbenchError(Exception):
    """An expected failure with a message that names what is at fault and a hint."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """The one paragraph shown to the user."""
        text = self.message.rstrip()
        if self.hint:
            text = f"{text} Hint: {self.hint.strip()}"
        return text


class ConfigError(WorkbenchError):
    """A setting has a value the workbench cannot use."""


class DatabaseError(WorkbenchError):
    """The server or database refused or could not be reached."""
