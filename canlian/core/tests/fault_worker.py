"""Run a manage.py command (the task worker) with a pause point, for kill -9 tests.

`python -m canlian.core.tests.fault_worker --pause-after REGEX --times N --marker FILE -- CMD…`
After the main thread's N-th SQL statement (or COPY) matching REGEX has run, it writes FILE and sleeps
for good, holding whatever transaction it is in: the test then kills the process at a known
point. Only the test's process is instrumented; the code under test is unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _instrument(pattern: re.Pattern[str], times: int, marker: Path) -> None:
    from django.db.backends import utils

    seen = 0

    def after(sql: str) -> None:
        nonlocal seen
        if threading.current_thread() is threading.main_thread() and pattern.search(sql):
            seen += 1
            if seen == times:
                marker.write_text(sql[:200])
                while True:
                    time.sleep(3600)

    def wrap(method: Any) -> Any:
        def run(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            result = method(self, sql, *args, **kwargs)
            after(sql)
            return result
        return run

    utils.CursorWrapper.execute = wrap(utils.CursorWrapper.execute)
    utils.CursorWrapper.executemany = wrap(utils.CursorWrapper.executemany)
    try:  # bulk writes on PostgreSQL go by COPY on the raw psycopg cursor
        import psycopg
    except ImportError:
        return
    copy = psycopg.Cursor.copy

    @contextlib.contextmanager
    def copy_then_check(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        with copy(self, statement, *args, **kwargs) as running:
            yield running
        after(statement if isinstance(statement, str) else statement.as_string(self))

    psycopg.Cursor.copy = copy_then_check  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pause-after", default="")
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--marker", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = [c for c in options.command if c != "--"]
    import django

    django.setup()
    if options.pause_after:
        _instrument(re.compile(options.pause_after), options.times, Path(options.marker))
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *command])


if __name__ == "__main__":
    main()
