from __future__ import annotations

from core.sms.sandbox import SandboxBackend


class DevelopmentBackend(SandboxBackend):
    """``SMS_BACKEND=dev``, the name of the development backend before the sandbox: the
    sandbox itself, recording its messages as sent by "dev" (ids ``dev-<local id>``)."""

    name = "dev"
