"""Load a file of the repository that is not in a package (run.py, scripts/, workshop/hub.py).

Tests import these by path; ``register`` puts the module in ``sys.modules``
first, which a script defining dataclasses needs while it runs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_script(
    relative: str | Path, name: str, *, root: Path = ROOT, register: bool = False
) -> ModuleType:
    """The module in ``root / relative``, executed under the name ``name``."""
    spec = importlib.util.spec_from_file_location(name, Path(root) / relative)
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
