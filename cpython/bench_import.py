"""Times the import of each module named on the command line, in this
process, in order (cpython/bench.sh). Prints one line per module:
NAME MILLISECONDS. A module imported already (as a dependency of an
earlier one) costs what finding it in sys.modules costs.
"""
import importlib
import sys
import time

for name in sys.argv[1:]:
    start = time.perf_counter()
    importlib.import_module(name)
    print(name, "%.2f" % ((time.perf_counter() - start) * 1000))
