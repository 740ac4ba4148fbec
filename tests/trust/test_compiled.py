"""The trust stages' compiled loops: cached on disk when possible, compiled in memory when
no cache directory can be written (importing a trust module must not fail there)."""

from typing import Any

import numba
import numpy as np
import pytest

from candor.trust.compiled import compiled


def total(values: np.ndarray) -> float:
    result = 0.0
    for value in values:
        result += value
    return result


def test_a_compiled_function_gives_the_python_result() -> None:
    values = np.linspace(0.0, 1.0, 11)
    assert compiled(total)(values) == total(values)


def test_without_a_writable_cache_it_compiles_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    real_njit = numba.njit
    asked: list[dict[str, Any]] = []

    def njit_without_a_cache_directory(**options: Any) -> Any:
        asked.append(options)
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'total': no locator available")
        return real_njit(**options)

    monkeypatch.setattr(numba, "njit", njit_without_a_cache_directory)
    values = np.arange(5.0)
    assert compiled(total)(values) == 10.0
    assert [options.get("cache", False) for options in asked] == [True, False]
