"""torch's OpenMP runtime is loaded before scikit-learn's (see meta_features/_openmp.py)."""
import subprocess
import sys

import pytest

pytest.importorskip("torch")


@pytest.mark.parametrize("package", ["meta_features", "sklearn_meta"])
def test_torch_is_imported_before_sklearn_openmp_modules(package):
    code = (f"import sys, {package}\n"
            "mods = list(sys.modules)\n"
            "assert 'torch' in mods, 'torch not imported'\n"
            "later = [m for m in ('sklearn.tree', 'sklearn.neighbors', 'sklearn.ensemble') "
            "if m in mods and mods.index(m) < mods.index('torch')]\n"
            "assert not later, later\n")
    subprocess.run([sys.executable, "-c", code], check=True)
