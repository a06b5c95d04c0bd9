"""Weights are written as the shortest text that reads back to the same float32."""

from __future__ import annotations

import json
import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.errors import ExportError
from emotrain.export.writer import dumps, float32_text, float32_texts

finite32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


def _bits(x: float) -> int:
    return int(np.float32(x).view(np.uint32))


def _reads_back(text: str, x: float) -> bool:
    # RTNeural's parser reads a double and casts it to float: do the same.
    with np.errstate(over="ignore"):  # a rounded-up candidate may overflow: it does not read back
        return _bits(np.float32(float(text))) == _bits(x)


def _significant_digits(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].replace(".", "")
    return max(len(mantissa.strip("0")), 1)


def _rounded(x: float, digits: int, rounding: str) -> str:
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = digits, rounding
        return str(+Decimal(float(np.float32(x))))


@settings(max_examples=400, deadline=None)
@given(finite32)
def test_text_reads_back_to_the_same_float32(x):
    text = float32_text(x)
    assert _reads_back(text, x)
    assert isinstance(json.loads(text), (int, float))  # a valid JSON number


@settings(max_examples=300, deadline=None)
@given(finite32.filter(lambda v: v != 0))
def test_no_text_with_fewer_digits_reads_back(x):
    """Any decimal with fewer digits that read back would lie between x and one of these two."""
    n = _significant_digits(float32_text(x))
    if n > 1:
        assert not _reads_back(_rounded(x, n - 1, ROUND_FLOOR), x)
        assert not _reads_back(_rounded(x, n - 1, ROUND_CEILING), x)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1.0, "1"),
        (-0.0, "-0.0"),
        (0.0, "0"),
        (0.001, "1e-3"),
        (0.00012, "1.2e-4"),
        (0.05, "0.05"),
        (123456789.0, "123456790"),
        (3e38, "3e38"),
        (1e-45, "1e-45"),
        (-2.5, "-2.5"),
    ],
)
def test_examples(value, text):
    assert float32_text(value) == text


@settings(max_examples=50, deadline=None)
@given(st.lists(finite32, min_size=1, max_size=60))
def test_documents_round_trip_arrays(values):
    arr = np.asarray(values, np.float32)
    doc = {"a": arr, "b": arr.reshape(1, -1), "c": arr.reshape(-1, 1, 1), "meta": {"x": 0.5}}
    back = json.loads(dumps(doc))
    for key in ("a", "b", "c"):
        got = np.asarray(back[key], np.float64).astype(np.float32)
        assert np.array_equal(got.view(np.uint32).ravel(), arr.view(np.uint32))
    assert back["meta"] == {"x": 0.5}


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ExportError, match="NaN or infinity"):
        float32_texts(np.asarray([1.0, bad], np.float32))
    with pytest.raises(ExportError, match="NaN or infinity"):
        dumps({"metric": bad})
