import sys
from . import factories
def test_mods(world):
    print("MODS", [k for k in sys.modules if k.endswith("factories")], factories._seq, sys.modules["tests.conftest"].factories is factories)
    assert 0
