"""Text messages to residents, through a backend chosen by the `SMS_BACKEND` setting.

The default console backend writes the message to standard output with the phone number
masked (nothing leaves the machine); a deployment names its gateway's backend class, which
implements `send(phone, text)`. Tests use the in-memory backend and read `outbox`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from canlian.core.idnumbers import mask_phone


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"[短信] {mask_phone(phone)}：{text}\n")


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str


outbox: list[SentSms] = []


class MemoryBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append(SentSms(phone, text))


def send_sms(phone: str, text: str) -> None:
    """Send one message; a blank phone number sends nothing."""
    if not phone:
        return
    backend_path = getattr(settings, "SMS_BACKEND", "canlian.core.sms.ConsoleBackend")
    backend: SmsBackend = import_string(backend_path)()
    backend.send(phone, text)
