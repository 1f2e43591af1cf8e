"""Shared fixtures: an in-memory store, a file store in a temporary directory, and a clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

import crmkit

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def at(minutes: float = 0) -> datetime:
    """A time ``minutes`` after T0 (commands on one record must not go back in time)."""
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def crm() -> Iterator[crmkit.Crm]:
    with crmkit.Crm.open(":memory:") as store:
        yield store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.crm"


@pytest.fixture
def clock() -> Callable[[float], datetime]:
    return at
