"""manage.py load_questionnaire [FILE] — load a questionnaire version (default: the shipped
动态1表, canlian/crosscheck/data/dongtai1.yaml). Loading the same file twice changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.errors import DomainError
from canlian.crosscheck.survey import questionnaire_load

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "dongtai1.yaml"


class Command(BaseCommand):
    help = "载入年度动态更新问卷（题目、代码与跳转逻辑）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(SHIPPED))

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            result = questionnaire_load(text=Path(file).read_text(encoding="utf-8"))
        except (OSError, DomainError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        q = result.questionnaire
        state = "已载入" if result.created else "内容未变化，未重复载入"
        count = len(q.definition["items"])
        self.stdout.write(f"{q.title} 第 {q.version} 版：{state}（{count} 题）")
