import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def uci_home(data_home):
    """The folder holding uci121/ (the suite-wide ``data_home`` fixture: skip, or fail on CI)."""
    return data_home
