"""JSON text for RTNeural files: every weight as the shortest text that reads back to its float32.

`json.dumps` writes a float32 weight through its float64 value (`0.10000000149011612`), twice as
long as needed and hiding the precision the plugin actually gets. Here each float32 is written with
the fewest significant digits that still parse back to the same float32 (numpy's Dragon4 "unique"
digits), in positional or scientific layout, whichever is shorter. RTNeural's JSON parser reads a
number as a double and casts it to float; rounding twice that way is harmless for float32 (a double
has more than 2*24+2 bits), so the plugin gets bit-for-bit the float32 that PyTorch held.

Everything else in a document (strings, ints, Python floats of the metadata) goes through `json`.
NaN and infinities are refused: they are not JSON and nlohmann's parser rejects the whole file.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from emotrain.errors import ExportError


def _shortest_layout(text: str) -> str:
    """Rewrite numpy's `str()` of a float32 (same digits) into the shorter of the two layouts."""
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent -= len(frac)  # value = int(whole + frac) * 10**exponent
    if not digits:  # "-0" would parse as the integer 0 and lose the sign
        return "-0.0" if sign else "0"
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    n = len(digits)
    if exponent >= 0:
        positional = digits + "0" * exponent
    elif n > -exponent:
        positional = digits[: n + exponent] + "." + digits[n + exponent :]
    else:
        positional = "0." + "0" * (-exponent - n) + digits
    scientific = digits[0] + ("." + digits[1:] if n > 1 else "") + "e" + str(exponent + n - 1)
    return sign + (positional if len(positional) <= len(scientific) else scientific)


def float32_texts(values: np.ndarray) -> list[str]:
    """Shortest round-tripping texts of a float32 array, flattened in C order."""
    flat = np.ascontiguousarray(values, dtype=np.float32).ravel()
    if flat.size and not np.isfinite(flat).all():
        raise ExportError("cannot write NaN or infinity: JSON has no such numbers")
    texts = flat.astype(str).tolist()
    # numpy's texts already have the shortest layout except: integers ("1.0"), magnitudes below 1e-3
    # (scientific wins) or from 1e5 (numpy may switch to scientific), and one-digit values below
    # 0.01 ("0.005" vs "5e-3"). Rewriting only those keeps a 600k-weight export fast.
    a = np.abs(flat)
    one_digit = np.round(flat.astype(np.float64), 3).astype(np.float32) == flat
    odd = (a < 1e-3) | (a >= 1e5) | (flat == np.round(flat)) | ((a < 1e-2) & one_digit)
    odd = np.flatnonzero(odd)
    for i in odd.tolist():
        texts[i] = _shortest_layout(texts[i])
    return texts


def float32_text(value: float) -> str:
    """The shortest text that parses back to `np.float32(value)`."""
    return float32_texts(np.asarray([value], dtype=np.float32))[0]


def _array_text(arr: np.ndarray, indent: str) -> str:
    if arr.ndim == 0:
        return float32_texts(arr.reshape(1))[0]
    texts = float32_texts(arr)
    if arr.size == 0:
        return "[]"
    if arr.ndim == 1:
        return "[" + ", ".join(texts) + "]"
    row_len = arr.shape[-1]
    rows = ["[" + ", ".join(texts[i : i + row_len]) + "]" for i in range(0, len(texts), row_len)]
    # Nest the rows back into the leading dimensions, one row per line.
    for depth, size in enumerate(reversed(arr.shape[:-1])):
        inner = indent + "  " * (arr.ndim - 1 - depth)
        rows = [
            "[\n" + inner + (",\n" + inner).join(rows[i : i + size]) + "\n" + inner[:-2] + "]"
            for i in range(0, len(rows), size)
        ]
    return rows[0]


def _scalar_text(value: Any, where: str) -> str:
    if value is None or isinstance(value, (bool, str, int)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExportError(f"cannot write {value} at {where}: JSON has no NaN or infinity")
        return json.dumps(value)
    raise ExportError(f"cannot write a {type(value).__name__} at {where} to JSON")


def _is_flat(items: list | tuple) -> bool:
    return all(not isinstance(v, (dict, list, tuple, np.ndarray)) for v in items)


def render(value: Any, indent: str = "", where: str = "$") -> str:
    """JSON text of `value` whose first line is at `indent` (nested values are indented further)."""
    inner = indent + "  "
    if isinstance(value, np.ndarray):
        return _array_text(value, indent)
    if isinstance(value, np.floating):
        return float32_text(float(value))
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = [
            inner + json.dumps(str(k), ensure_ascii=False) + ": " + render(v, inner, f"{where}.{k}")
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if _is_flat(value):
            return "[" + ", ".join(_scalar_text(v, where) for v in value) + "]"
        parts = [inner + render(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
        return "[\n" + ",\n".join(parts) + "\n" + indent + "]"
    return _scalar_text(value, where)


def dumps(document: dict[str, Any]) -> str:
    """The JSON text of a document; `np.ndarray` / `np.floating` leaves are written as float32."""
    return render(document, "", "$") + "\n"
