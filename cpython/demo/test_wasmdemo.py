"""Tests of wasmdemo (wasmdemo.c), run natively and under wasmdl alike.

Run as a script: unittest's verbose output is what cpython_test.go
compares between the two.
"""
import gc
import sys
import unittest

import wasmdemo


class AccumulatorTest(unittest.TestCase):
    def test_compiled_for_this_platform(self):
        want = "wasm32" if sys.platform == "wasi" else "native"
        self.assertEqual(wasmdemo.compiled_for, want)
        self.assertTrue(wasmdemo.__file__.endswith(".so"), wasmdemo.__file__)

    def test_statistics(self):
        a = wasmdemo.Accumulator([5, 1, 4])
        a.add(2)
        a.add(3.5)
        self.assertEqual(len(a), 5)
        self.assertEqual(a.total, 15.5)
        self.assertEqual(a.mean(), 3.1)
        self.assertEqual(a.median(), 3.5)
        self.assertEqual([a[i] for i in range(len(a))], [5.0, 1.0, 4.0, 2.0, 3.5])
        self.assertEqual(list(a), [5.0, 1.0, 4.0, 2.0, 3.5])
        self.assertEqual(repr(a), "<Accumulator of 5 values, last 3.5>")

    def test_growth(self):
        a = wasmdemo.Accumulator()
        for i in range(100000):
            a.add(i % 1000)
        self.assertEqual(len(a), 100000)
        self.assertEqual(a.total, 49950000.0)
        self.assertEqual(a.median(), 499.5)

    def test_map_calls_back_into_python(self):
        a = wasmdemo.Accumulator(range(10))
        seen = []

        def square(v):
            seen.append(v)
            return v * v

        b = a.map(square)
        self.assertIsInstance(b, wasmdemo.Accumulator)
        self.assertEqual(list(b), [float(i * i) for i in range(10)])
        self.assertEqual(seen, [float(i) for i in range(10)])

    def test_exception_from_callback_propagates(self):
        def boom(v):
            if v > 2:
                raise KeyError(v)
            return v

        with self.assertRaises(KeyError) as cm:
            wasmdemo.Accumulator(range(5)).map(boom)
        self.assertEqual(cm.exception.args, (3.0,))

    def test_errors(self):
        self.assertTrue(issubclass(wasmdemo.DemoError, ValueError))
        with self.assertRaisesRegex(wasmdemo.DemoError, "mean of an empty Accumulator"):
            wasmdemo.Accumulator().mean()
        with self.assertRaisesRegex(wasmdemo.DemoError, "median of an empty"):
            wasmdemo.Accumulator().median()
        with self.assertRaises(IndexError):
            wasmdemo.Accumulator([1])[1]
        with self.assertRaises(TypeError):
            wasmdemo.Accumulator(["x"])
        with self.assertRaises(TypeError):
            wasmdemo.Accumulator().map(3)

    def test_type_is_immutable_and_collected(self):
        with self.assertRaises(TypeError):
            wasmdemo.Accumulator.extra = 1
        before = wasmdemo.created()
        for _ in range(1000):
            wasmdemo.Accumulator([1, 2, 3])
        gc.collect()
        self.assertEqual(wasmdemo.created() - before, 1000)


class FunctionsTest(unittest.TestCase):
    def test_parse_floats(self):
        self.assertEqual(wasmdemo.parse_floats("1, 2.5,-3e2, 0x10"), [1.0, 2.5, -300.0, 16.0])
        with self.assertRaisesRegex(wasmdemo.DemoError, "field 3 is not a number: x,4"):
            wasmdemo.parse_floats("1,2,x,4")

    def test_fnv1a(self):
        self.assertEqual(wasmdemo.fnv1a(b""), 2166136261)
        self.assertEqual(wasmdemo.fnv1a(b"a"), 0xE40C292C)
        self.assertEqual(wasmdemo.fnv1a(bytearray(b"foobar")), 0xBF9CF968)
        self.assertEqual(wasmdemo.fnv1a(memoryview(b"x" * 1000)), wasmdemo.fnv1a(b"x" * 1000))


if __name__ == "__main__":
    unittest.main(verbosity=2)
