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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_the_slow_order_is_reported_once_and_the_good_order_silently():
    slow = ("import warnings, sklearn.tree\n"
            "with warnings.catch_warnings(record=True) as rec:\n"
            "    warnings.simplefilter('always')\n"
            "    import sklearn_meta, meta_features\n"
            "msgs = [str(w.message) for w in rec if 'OpenMP runtime' in str(w.message)]\n"
            "assert len(msgs) == 1, msgs\n"
            "assert 'threadpool_limits' in msgs[0]\n")
    subprocess.run([sys.executable, "-c", slow], check=True)
    good = ("import warnings\n"
            "with warnings.catch_warnings(record=True) as rec:\n"
            "    warnings.simplefilter('always')\n"
            "    import sklearn_meta, sklearn.tree\n"
            "assert not [w for w in rec if 'OpenMP runtime' in str(w.message)], rec\n")
    subprocess.run([sys.executable, "-c", good], check=True)
