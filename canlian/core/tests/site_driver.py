"""The driver subprocess of canlian.core.tests.sitekit: reads one JSON request a line from
stdin ({"action": name, "kwargs": {...}}), runs canlian.core.tests.site_actions.<name> and
writes {"value": ...} or {"error": traceback} as one line to stdout."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


def main() -> None:
    import django

    django.setup()
    import importlib

    modules = [importlib.import_module(name)
               for name in ["canlian.core.tests.site_actions", *sys.argv[1:]]]

    def action(name: str) -> Any:
        for module in reversed(modules):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(name)

    out = sys.stdout
    sys.stdout = sys.stderr  # anything printed by the code under test goes to the log
    for line in sys.stdin:
        request = json.loads(line)
        try:
            value = action(request["action"])(**request["kwargs"])
            answer = {"value": value}
        except Exception:
            answer = {"error": traceback.format_exc()}
        out.write(json.dumps(answer, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
