"""Private storage of visit photos and case attachments: the type is read from the content
(magic bytes, the same accepted types as certificate documents), the size is capped, and the
files live under MEDIA_ROOT/private, which no URL serves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from canlian.certificates.services import EXTENSIONS, MAGIC, MAX_UPLOAD_BYTES
from canlian.core.errors import DomainError

PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
ATTACHMENT_TYPES = frozenset(EXTENSIONS)
MAX_ATTACHMENTS = 5


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class Stored:
    path: str
    original_name: str
    content_type: str
    size: int


def sniff(content: bytes) -> str | None:
    for magic, content_type in MAGIC.items():
        if content.startswith(magic):
            return content_type
    return None


def check(upload: Upload, *, allowed: frozenset[str], field: str) -> str:
    """The content type of a valid upload; a DomainError naming the field otherwise."""
    if len(upload.content) > MAX_UPLOAD_BYTES:
        raise DomainError("file", "文件超过 5 MB，请压缩后再上传。", field=field)
    content_type = sniff(upload.content[:8])
    if content_type not in allowed:
        kinds = "JPG、PNG 图片" if allowed == PHOTO_TYPES else "JPG、PNG 图片或 PDF 文件"
        raise DomainError("file", f"只能上传 {kinds}。", field=field)
    return content_type


def store(upload: Upload, *, folder: str, allowed: frozenset[str], field: str) -> Stored:
    content_type = check(upload, allowed=allowed, field=field)
    target = Path(settings.MEDIA_ROOT) / "private" / "cases" / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}"
    path.write_bytes(upload.content)
    return Stored(path=str(path.relative_to(settings.MEDIA_ROOT)),
                  original_name=Path(upload.name).name[:200] or "upload",
                  content_type=content_type, size=len(upload.content))


def absolute(path: str) -> Path:
    return Path(settings.MEDIA_ROOT) / path
