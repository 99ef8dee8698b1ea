"""Shared writer for RLRef golden files (format: GoldenData/README.md, schema: GoldenData/schema.json).

Every generator builds cases with `case(...)` and writes one file per group with `write_file(...)`.
Floats are written as shortest round-trip decimals (Python's float repr); NaN and infinities as the
strings "nan", "inf", "-inf". Nothing here computes an expected value: that is each generator's job.
"""
from __future__ import annotations

import json
import math
import os
import platform
from typing import Any

import numpy as np

FORMAT = "rlref-golden"
VERSION = 1
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SpecError(Exception):
    """Raised by a generator's own forward pass for inputs its Spec rejects; `kind` is the golden
    error kind (shape_mismatch, non_finite, out_of_range, missing_input, invalid_argument, empty)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def _jsonable(x: Any) -> Any:
    """Converts numpy arrays/scalars and Python floats to JSON-ready values (non-finite -> strings)."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "__array__") and not isinstance(x, (str, bytes)):
        a = np.asarray(x)
        if a.dtype == np.bool_:
            return a.tolist()
        if np.issubdtype(a.dtype, np.integer):
            return a.tolist()
        return _jsonable(a.astype(np.float64).tolist())
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    raise TypeError(f"cannot write {type(x)!r} to a golden file")


def _from_json(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _from_json(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_from_json(v) for v in x]
    if isinstance(x, str) and x in ("nan", "inf", "-inf"):
        return float(x)
    return x


def as_read(inputs: Any) -> Any:
    """`inputs` exactly as a reader of the golden file sees them: written with the format's rules
    (shortest round-trip floats, numpy converted) and read back, with "nan"/"inf"/"-inf" as floats."""
    return _from_json(json.loads(json.dumps(_jsonable(inputs), allow_nan=False)))


def tolerance(f64_atol: float = 1e-12, f64_rtol: float = 1e-10,
              f32_atol: float = 1e-5, f32_rtol: float = 1e-4) -> dict:
    """Per-scalar-type tolerances: a value passes when |actual - expected| <= atol + rtol * |expected|."""
    return {"float64": {"atol": f64_atol, "rtol": f64_rtol},
            "float32": {"atol": f32_atol, "rtol": f32_rtol}}


def case(id: str, equation: str, comment: str, inputs: dict, expected: dict, *,
         flags: list[str] | None = None, cotangents: dict | None = None,
         gradients: dict | None = None, tol: dict | None = None, source: dict | None = None) -> dict:
    """One golden case. `cotangents` define the scalar L = sum_k <cotangents[k], outputs[k]>,
    `gradients` hold dL/d(input) for the named inputs."""
    c: dict[str, Any] = {"id": id, "equation": equation, "comment": comment,
                         "flags": list(flags or []), "inputs": inputs, "expected": expected}
    if gradients is not None:
        if cotangents is None:
            raise ValueError(f"{id}: gradients need cotangents")
        c["gradients"] = {"cotangents": cotangents, "expected": gradients}
    if tol is not None:
        c["tolerance"] = tol
    if source is not None:
        c["source"] = source
    return c


def generator_source(program: str, description: str = "") -> dict:
    """The `source` block of a generated file: program path and pinned versions. JAX's version is
    listed when the program itself imports JAX, and so are torch, transformers, peft, safetensors and tokenizers
    (read from its text, so the block does not depend on
    what an earlier generator in the same process imported)."""
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    with open(os.path.join(os.path.dirname(ROOT), program), encoding="utf-8") as f:
        text = f.read()
    if "import jax" in text:
        import jax
        versions["jax"] = jax.__version__
    # PyTorch, Hugging Face transformers / PEFT and safetensors, likewise when the program imports them
    for module in ("torch", "transformers", "peft", "safetensors", "tokenizers"):
        if f"import {module}" in text or f"from {module} import" in text or f"from {module}." in text:
            versions[module] = __import__(module).__version__
    src = {"kind": "generator", "program": program, "versions": versions}
    if description:
        src["description"] = description
    return src


def _validate(doc: dict) -> None:
    """Checks a document against GoldenData/schema.json before it is written."""
    import jsonschema  # pinned in requirements.txt
    with open(os.path.join(ROOT, "schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(_jsonable(doc), allow_nan=False)))


def _dumps_inline_arrays(x: Any, depth: int = 0) -> str:
    """JSON text of an already-jsonable value: objects one key per line and arrays of objects one element per
    line (indent 1, as `json.dump(indent=1)`), every other array on one line without spaces. Same data as the
    indented form, about half the bytes when most of a file is numbers."""
    pad = " " * (depth + 1)
    if isinstance(x, dict) and x:
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_dumps_inline_arrays(v, depth + 1)}" for k, v in x.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    if isinstance(x, list) and any(isinstance(v, dict) for v in x):
        return "[\n" + ",\n".join(pad + _dumps_inline_arrays(v, depth + 1) for v in x) + "\n" + " " * depth + "]"
    return json.dumps(x, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _round_floats(x: Any, digits: int) -> Any:
    if isinstance(x, dict):
        return {k: _round_floats(v, digits) for k, v in x.items()}
    if isinstance(x, list):
        return [_round_floats(v, digits) for v in x]
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    return x


def write_file(spec: str, group: str, description: str, source: dict, cases: list[dict],
               default_tolerance: dict | None = None, inline_arrays: bool = False,
               significant_digits: int | None = None) -> str:
    """Writes GoldenData/<spec>/<group>.json and returns its path. Case ids must be unique. `inline_arrays`
    writes each array on one line (for files that are mostly numbers); the data read back is the same.
    `significant_digits` (at least 14) rounds the floats of every case's `expected` and gradients' `expected`
    to that many significant digits: a relative change <= 5e-14, far inside any float64 tolerance (rtol 1e-10);
    inputs and cotangents are written exactly."""
    ids = [c["id"] for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate case ids in {spec}/{group}")
    doc = {"format": FORMAT, "version": VERSION, "spec": spec, "description": description,
           "source": source, "default_tolerance": default_tolerance or tolerance(),
           "cases": cases}
    if significant_digits is not None:
        if significant_digits < 14:
            raise ValueError("significant_digits below 14 would eat into float64 tolerances")
        cases = _jsonable(cases)
        for c in cases:
            c["expected"] = _round_floats(c["expected"], significant_digits)
            if "gradients" in c:
                c["gradients"]["expected"] = _round_floats(c["gradients"]["expected"], significant_digits)
        doc["cases"] = cases
    _validate(doc)
    folder = os.path.join(ROOT, spec)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{group}.json")
    with open(path, "w", encoding="utf-8") as f:
        if inline_arrays:
            f.write(_dumps_inline_arrays(_jsonable(doc)))
        else:
            json.dump(_jsonable(doc), f, indent=1, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    return path
