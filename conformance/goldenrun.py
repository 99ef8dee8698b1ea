"""Runs your implementation on the inputs of an RLRef golden file and writes a results file for
`rlref compare`. Standard library only; copy it anywhere.

    import goldenrun
    def my_gae(rewards, values, gamma=0.99, **conventions): ...      # returns {"advantages": ..., "returns": ...}
    goldenrun.run("GoldenData/GAE/recursion.json", my_gae, "theirs.json")
    # then: swift run rlref compare GoldenData/GAE/recursion.json theirs.json

`function(**inputs)` is called once per case with the case's `inputs` as keyword arguments (the keys of
the Spec's "Golden inputs" section; "nan", "inf", "-inf" strings become floats). It returns a dict of
outputs (numbers or nested lists; NumPy arrays and PyTorch tensors work through `.tolist()`), or
`(outputs, gradients)` when the case has cotangents and you computed gradients of
L = sum_k <cotangents[k], outputs[k]> (the cotangents are passed as `cotangents=` only when
`pass_cotangents=True`). Raise `Skip` (or return None) to leave a case out, then compare with
`--allow-missing`; an exception whose class name is in `error_kinds` is reported as that error kind.
Error cases (flag "error") are skipped unless `include_errors=True`.
"""
from __future__ import annotations

import json
import math
from typing import Any, Callable


class Skip(Exception):
    """Raised by a driver for a case it does not cover."""


def decode(value: Any) -> Any:
    """Golden JSON value -> Python: the strings "nan", "inf", "-inf" become floats, recursively."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def encode(value: Any) -> Any:
    """Python/NumPy/PyTorch value -> golden JSON: floats NaN/inf as strings, arrays as nested lists."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run(golden_path: str, function: Callable[..., Any], out_path: str, *, include_errors: bool = False,
        pass_cotangents: bool = False, error_kinds: dict[str, str] | None = None,
        select: Callable[[dict], bool] | None = None) -> dict:
    """Evaluates `function` on every selected case of `golden_path` and writes `out_path`.
    Returns the results object (case id -> {"outputs", "gradients"} or {"error"})."""
    golden = load(golden_path)
    results: dict[str, Any] = {}
    for case in golden["cases"]:
        if "error" in case.get("flags", []) and not include_errors:
            continue
        if select is not None and not select(case):
            continue
        inputs = decode(case["inputs"])
        cotangents = decode(case.get("gradients", {}).get("cotangents")) if "gradients" in case else None
        kwargs = dict(inputs)
        if pass_cotangents:
            kwargs["cotangents"] = cotangents
        try:
            answer = function(**kwargs)
        except Skip:
            continue
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            kind = (error_kinds or {}).get(type(e).__name__)
            if kind is None:
                raise
            results[case["id"]] = {"error": {"kind": kind, "message": str(e)}}
            continue
        if answer is None:
            continue
        outputs, gradients = answer if isinstance(answer, tuple) else (answer, None)
        entry = {"outputs": encode(outputs)}
        if gradients is not None:
            entry["gradients"] = encode(gradients)
        results[case["id"]] = entry
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    return results
