"""Imports every extension module named on the command line and wasmdemo
in one process, checks that each was loaded from its shared library, uses
a few of them, and exits normally (cpython_test.go, TestImportAll).

What it prints must not depend on the platform: the native run's output is
the expected output.
"""
import importlib
import os
import sys
import sysconfig

suffix = sysconfig.get_config_var("EXT_SUFFIX")
dynload = os.path.join(sys.base_prefix, "lib", "python%d.%d" % sys.version_info[:2], "lib-dynload")
names = sys.argv[1:]
for name in names:
    if name in sys.builtin_module_names:
        sys.exit("%s is built into the interpreter" % name)
    mod = importlib.import_module(name)
    want = os.path.join(dynload, name + suffix)
    if getattr(mod, "__file__", None) != want:
        sys.exit("%s was loaded from %r, not %r" % (name, getattr(mod, "__file__", None), want))
    print(name, "ok")

import wasmdemo
if not wasmdemo.__file__.endswith(suffix):
    sys.exit("wasmdemo was loaded from %r" % wasmdemo.__file__)

# A little of each kind: C code of the modules and of their libraries
# (libz.so, libsqlite3.so), data crossing the interpreter and the modules.
import array, binascii, bisect, cmath, csv, datetime, decimal, hashlib, heapq, io, json, math
import pickle, random, sqlite3, statistics, struct, unicodedata, zlib
import xml.etree.ElementTree as ET

data = b"wasmdl " * 1000
print("zlib", len(zlib.compress(data, 9)), zlib.crc32(data), zlib.decompress(zlib.compress(data)) == data)
print("binascii", binascii.crc32(data), binascii.hexlify(data[:8]))
print("hashlib", hashlib.sha256(data).hexdigest()[:16], hashlib.blake2b(data).hexdigest()[:16],
      hashlib.sha3_256(data).hexdigest()[:16], hashlib.md5(data).hexdigest()[:16])
db = sqlite3.connect(":memory:")
db.execute("create table t(x integer, y text)")
db.executemany("insert into t values (?, ?)", [(i, str(i * i)) for i in range(1000)])
print("sqlite3", db.execute("select count(*), sum(x), max(length(y)) from t").fetchone())
db.close()
print("math", math.factorial(30), math.isqrt(10**20 + 7), math.comb(50, 25), math.sqrt(2), cmath.sqrt(-4))
print("decimal", decimal.Decimal(1) / decimal.Decimal(7), decimal.getcontext().prec)
print("datetime", datetime.datetime(2024, 2, 29, 12, 0) + datetime.timedelta(days=366))
print("json", json.dumps({"a": [1, 2.5, None, "\u00e9"]}, sort_keys=True), json.loads("[1, {\"b\": 2}]"))
print("pickle", pickle.loads(pickle.dumps({"k": (1, 2.0, "x", b"y")}, protocol=5)))
print("struct", struct.pack("<iqd", 1, -2, 3.5).hex(), struct.calcsize("@iq"))
print("array", array.array("d", [1.5, 2.5]).tobytes().hex())
print("random", random.Random(42).random(), random.Random(42).getrandbits(64))
print("statistics", statistics.median([5, 1, 4, 2]), statistics.fmean([1, 2, 3, 4]))
print("heapq bisect", heapq.nsmallest(3, [5, 1, 4, 2, 3]), bisect.bisect([1, 3, 5], 4))
print("unicodedata", unicodedata.name("\u00e9"), unicodedata.normalize("NFD", "\u00e9").encode())
buf = io.StringIO()
csv.writer(buf).writerow(["a,b", 1, "c\"d"])
print("csv", repr(buf.getvalue()))
print("ElementTree", ET.tostring(ET.fromstring("<a x='1'><b>t</b></a>")))
print("cjk", "\u65e5\u672c\u8a9e".encode("shift_jis"), "\u4e2d\u6587".encode("gb2312"),
      "\ud55c\uad6d\uc5b4".encode("euc_kr"), "\u4e2d\u6587".encode("big5"))
acc = wasmdemo.Accumulator(range(10))
print("wasmdemo", acc.mean(), acc.median(), list(acc.map(lambda v: -v))[:3])
print("imported %d extension modules and wasmdemo" % len(names))
