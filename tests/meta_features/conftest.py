import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from uci import data_home  # noqa: E402


@pytest.fixture(scope="session")
def uci_home():
    home = data_home()
    if home is None:
        if os.environ.get("CI"):
            pytest.fail("uci121 data not found (set SKLEARN_META_DATA); required when CI is set")
        pytest.skip("uci121 data not found: set SKLEARN_META_DATA or place it in ../shared/data")
    return home
