"""Exceptions raised by ferry.

Every error ferry raises derives from :class:`FerryError` and from the
built-in exception a Python user would expect, so ``except ValueError``
keeps working. The native core maps its error codes here in one place.
"""

__all__ = [
    "ExecutionError",
    "FerryError",
    "FerryIOError",
    "FerryKeyError",
    "FerryNotImplementedError",
    "FerryTypeError",
    "FerryValueError",
]


class FerryError(Exception):
    """Base class of every ferry error."""


class FerryValueError(FerryError, ValueError):
    """Invalid input: bad arguments, malformed plans or bytes."""


class FerryTypeError(FerryError, TypeError):
    """Types that do not fit: impossible casts, wrong argument types."""


class FerryKeyError(FerryError, KeyError):
    """Something named does not exist: a column, table or function."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FerryNotImplementedError(FerryError, NotImplementedError):
    """A valid request ferry does not support yet."""


class FerryIOError(FerryError, OSError):
    """Reading or writing files failed."""


class ExecutionError(FerryError, RuntimeError):
    """A query failed while running, e.g. a UDF raised (see ``__cause__``)."""
