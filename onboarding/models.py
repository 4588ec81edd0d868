"""Agency sign-up: the models."""

from __future__ import annotations
