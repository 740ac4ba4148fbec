"""`compiled`: Numba's ``njit`` for the trust stages' inner loops, cached on disk when it can be.

With ``cache=True`` Numba keeps the machine code beside the module (``__pycache__``) or in
the user's cache directory, so only the first process on a machine compiles (a second or
so per module). A process that can write to neither (a read-only install run by an
account without a home) would fail to import the module, so there the functions are
compiled in memory instead, once per process: slower to start, the same results.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def compiled(function: F) -> F:
    """``function`` compiled by Numba (no Python objects inside; the GIL is released)."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(F, numba.njit(nogil=True)(function))
