import pytest

import ferry


@pytest.fixture
def ctx() -> ferry.SessionContext:
    """A session with several partitions, so every query runs in parallel."""
    return ferry.SessionContext(ferry.SessionConfig().with_target_partitions(3))
