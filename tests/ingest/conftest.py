from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ingest.helpers import FINDING, NATIVE


@pytest.fixture
def native() -> dict[str, Any]:
    return json.loads(json.dumps(NATIVE))


@pytest.fixture
def finding() -> dict[str, Any]:
    return json.loads(json.dumps(FINDING))
