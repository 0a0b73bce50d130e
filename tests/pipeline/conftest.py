from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
async def operator(db):
    return await factories.actor("operator")
