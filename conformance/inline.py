"""Runs a framework's own inline statements (code inside a long method or a script, not a callable function).

Some conventions live only as statements inside a training loop (TRL 0.29.1's `PPOTrainer.train`, RL4VLM's
`PPO.update`, OpenRLHF's `compute_advantages_and_returns`, CleanRL's `ppo.py`). The suite does not copy
that code: at run time it reads the installed (or checked-out) source, takes the statements from the first
line matching a start pattern to the first following line matching an end pattern, removes their common
indentation and executes them in a namespace that holds the case's tensors and the configuration values the
statements read. Patterns are regular expressions on the source text, never line numbers; a pattern that is
not found, or found more than once, raises `InlineNotFound` and stops the driver (a framework release that
moved its code must be looked at again, not skipped silently).
"""
from __future__ import annotations

import inspect
import re
import textwrap


class InlineNotFound(RuntimeError):
    """The framework's source no longer has the statements a driver runs."""


def block(source: str, first: str, last: str, where: str) -> str:
    """The dedented lines of `source` from the unique line matching `first` through the first line after it
    matching `last` (both regular expressions, searched within a line)."""
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if re.search(first, line)]
    if len(starts) != 1:
        raise InlineNotFound(f"{where}: start pattern {first!r} found {len(starts)} times (expected once)")
    start = starts[0]
    for end in range(start, len(lines)):
        if re.search(last, lines[end]):
            # a line that ends inside brackets continues: take the lines up to the closing one
            stop = end
            while stop + 1 < len(lines) and _open_brackets("\n".join(lines[start:stop + 1])) > 0:
                stop += 1
            return textwrap.dedent("\n".join(lines[start:stop + 1]))
    raise InlineNotFound(f"{where}: end pattern {last!r} not found after {first!r}")


def _open_brackets(code: str) -> int:
    depth = 0
    for ch in re.sub(r"#[^\n]*", "", code):
        depth += ch in "([{"
        depth -= ch in ")]}"
    return depth


def source_of(obj) -> str:
    """The installed source of a function, method, class or module."""
    return inspect.getsource(obj)


def run(source: str, first: str, last: str, namespace: dict, where: str) -> dict:
    """Executes `block(source, first, last)` in `namespace` (changed in place) and returns it."""
    code = block(source, first, last, where)
    exec(compile(code, f"<{where}: {first!r}..{last!r}>", "exec"), namespace)  # noqa: S102 - the framework's own code
    return namespace


def module_file_source(name: str) -> str:
    """The installed source of module `name`, read as text without importing it or its parent packages (for
    modules whose imports pull in a training stack the driven statements never use)."""
    import importlib.util
    import os
    import sys
    top, *rest = name.split(".")
    package = sys.modules.get(top)
    if package is not None and hasattr(package, "__path__"):
        locations = list(package.__path__)
    else:
        spec = importlib.util.find_spec(top)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for base in locations:
        path = os.path.join(base, *rest) + ".py"
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    raise InlineNotFound(f"{name} is not installed")
