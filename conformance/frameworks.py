"""Imports the frameworks' algorithm modules without their heavy runtime dependencies.

TRL imports as installed. verl 0.9.1 and OpenRLHF 0.11.2 import distributed-training stacks at package
level (Ray, DeepSpeed, vLLM, flash-attn, aiohttp, torchdata) that the functions driven here never call.
Two devices keep those imports from failing, and nothing else is changed:
- STUBBED: these top-level names (and any submodule under them) import as inert placeholder modules.
  A driver that reached one of them at run time would fail loudly (a placeholder is not a real function
  result), so a passing comparison cannot come from a stub.
- ABSENT: optional kernels the frameworks import inside `try: ... except ImportError` (flash-attn's Triton
  cross-entropy) raise ImportError, as on a machine without them, so the frameworks take their own PyTorch
  fallback instead of calling a placeholder.
- BARE: these packages are registered without running their `__init__.py`, so `verl.trainer.ppo.core_algos`
  loads without `verl/__init__.py` (which imports Ray through `verl.protocol`). Their submodules are the
  installed files, unmodified.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types

STUBBED = ("ray", "deepspeed", "flash_attn", "vllm", "aiohttp", "torchdata")
ABSENT = ("flash_attn.ops",)
BARE = ("verl", "openrlhf", "openrlhf.trainer", "openrlhf.trainer.ppo_utils", "openrlhf.utils")


class _Placeholder(types.ModuleType):
    """A module whose every attribute is another placeholder; calling one with a single function returns
    it unchanged (so decorators such as `@ray.remote` leave the decorated function intact)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Placeholder(f"{self.__name__}.{name}")

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return _Placeholder(self.__name__ + "()")


class _PlaceholderFinder:
    def find_spec(self, name, path=None, target=None):
        if any(name == a or name.startswith(a + ".") for a in ABSENT):
            raise ModuleNotFoundError(f"No module named {name!r} (absent in the conformance environment)", name=name)
        if name.split(".")[0] in STUBBED:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _Placeholder(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


_installed = False


def install():
    """Installs the placeholders and bare packages once; call before importing verl or OpenRLHF."""
    global _installed
    if _installed:
        return
    sys.meta_path.insert(0, _PlaceholderFinder())
    for name in BARE:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError(f"{name} is not installed (see conformance/requirements-frameworks.txt)")
        module = types.ModuleType(name)
        module.__path__ = list(spec.submodule_search_locations)
        sys.modules[name] = module
    _installed = True


def version(distribution: str) -> str:
    from importlib.metadata import version as v
    return v(distribution)
