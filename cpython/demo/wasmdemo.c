/* wasmdemo: a third-party C extension, built as a wheel is: outside
 * CPython's tree, against the installed headers, with the installed
 * interpreter's sysconfig (cpython/build.sh, build_demo).
 *
 * It has a heap type with methods, properties and the sequence protocol, an
 * exception class of its own kept in the module state (multi-phase
 * initialisation), libc calls the interpreter serves (malloc, realloc,
 * qsort through a function pointer, snprintf, strtod), and calls back into
 * Python from C. test_wasmdemo.py exercises all of it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  PyObject *error;      /* wasmdemo.DemoError */
  PyObject *acc_type;   /* wasmdemo.Accumulator */
  long created;         /* Accumulators made so far */
} demo_state;

static demo_state *get_state(PyObject *module) {
  return (demo_state *)PyModule_GetState(module);
}

/* ------------------------------------------------------------ Accumulator */

typedef struct {
  PyObject_HEAD
  double *values;
  Py_ssize_t len, cap;
  PyObject *error; /* strong reference to the module's DemoError */
} Accumulator;

static int acc_push(Accumulator *a, double v) {
  if (a->len == a->cap) {
    Py_ssize_t cap = a->cap ? a->cap * 2 : 8;
    double *p = realloc(a->values, (size_t)cap * sizeof(double));
    if (p == NULL) {
      PyErr_NoMemory();
      return -1;
    }
    a->values = p;
    a->cap = cap;
  }
  a->values[a->len++] = v;
  return 0;
}

static PyObject *acc_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"values", NULL};
  PyObject *init = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Accumulator", kwlist, &init)) {
    return NULL;
  }
  PyObject *module = PyType_GetModule(type);
  if (module == NULL) {
    return NULL;
  }
  demo_state *st = get_state(module);
  Accumulator *a = (Accumulator *)type->tp_alloc(type, 0);
  if (a == NULL) {
    return NULL;
  }
  a->error = Py_NewRef(st->error);
  st->created++;
  if (init != NULL) {
    PyObject *it = PyObject_GetIter(init);
    PyObject *item;
    if (it == NULL) {
      Py_DECREF(a);
      return NULL;
    }
    while ((item = PyIter_Next(it)) != NULL) {
      double v = PyFloat_AsDouble(item);
      Py_DECREF(item);
      if ((v == -1.0 && PyErr_Occurred()) || acc_push(a, v) < 0) {
        Py_DECREF(it);
        Py_DECREF(a);
        return NULL;
      }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
      Py_DECREF(a);
      return NULL;
    }
  }
  return (PyObject *)a;
}

static void acc_dealloc(Accumulator *a) {
  PyTypeObject *type = Py_TYPE(a);
  free(a->values);
  Py_XDECREF(a->error);
  type->tp_free((PyObject *)a);
  Py_DECREF(type);
}

static PyObject *acc_add(Accumulator *a, PyObject *arg) {
  double v = PyFloat_AsDouble(arg);
  if (v == -1.0 && PyErr_Occurred()) {
    return NULL;
  }
  if (acc_push(a, v) < 0) {
    return NULL;
  }
  Py_RETURN_NONE;
}

static int compare_doubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static PyObject *acc_empty(Accumulator *a, const char *what) {
  PyErr_Format(a->error, "%s of an empty Accumulator", what);
  return NULL;
}

static PyObject *acc_mean(Accumulator *a, PyObject *Py_UNUSED(ignored)) {
  if (a->len == 0) {
    return acc_empty(a, "mean");
  }
  double sum = 0;
  for (Py_ssize_t i = 0; i < a->len; i++) {
    sum += a->values[i];
  }
  return PyFloat_FromDouble(sum / (double)a->len);
}

static PyObject *acc_median(Accumulator *a, PyObject *Py_UNUSED(ignored)) {
  if (a->len == 0) {
    return acc_empty(a, "median");
  }
  double *copy = malloc((size_t)a->len * sizeof(double));
  if (copy == NULL) {
    return PyErr_NoMemory();
  }
  memcpy(copy, a->values, (size_t)a->len * sizeof(double));
  qsort(copy, (size_t)a->len, sizeof(double), compare_doubles);
  double m = a->len % 2 ? copy[a->len / 2] : (copy[a->len / 2 - 1] + copy[a->len / 2]) / 2;
  free(copy);
  return PyFloat_FromDouble(m);
}

/* map(func): a new Accumulator of func(v) for every value, calling back
 * into Python for each. */
static PyObject *acc_map(Accumulator *a, PyObject *func) {
  if (!PyCallable_Check(func)) {
    PyErr_SetString(PyExc_TypeError, "map() needs a callable");
    return NULL;
  }
  Accumulator *out = (Accumulator *)PyObject_CallNoArgs((PyObject *)Py_TYPE(a));
  if (out == NULL) {
    return NULL;
  }
  for (Py_ssize_t i = 0; i < a->len; i++) {
    PyObject *r = PyObject_CallFunction(func, "d", a->values[i]);
    if (r == NULL) {
      Py_DECREF(out);
      return NULL;
    }
    double v = PyFloat_AsDouble(r);
    Py_DECREF(r);
    if ((v == -1.0 && PyErr_Occurred()) || acc_push(out, v) < 0) {
      Py_DECREF(out);
      return NULL;
    }
  }
  return (PyObject *)out;
}

static PyObject *acc_repr(Accumulator *a) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.6g", a->len ? a->values[a->len - 1] : 0.0);
  return PyUnicode_FromFormat("<Accumulator of %zd values, last %s>", a->len, buf);
}

static Py_ssize_t acc_length(Accumulator *a) { return a->len; }

static PyObject *acc_item(Accumulator *a, Py_ssize_t i) {
  if (i < 0 || i >= a->len) {
    PyErr_SetString(PyExc_IndexError, "Accumulator index out of range");
    return NULL;
  }
  return PyFloat_FromDouble(a->values[i]);
}

static PyObject *acc_get_total(Accumulator *a, void *Py_UNUSED(closure)) {
  double sum = 0;
  for (Py_ssize_t i = 0; i < a->len; i++) {
    sum += a->values[i];
  }
  return PyFloat_FromDouble(sum);
}

static PyMethodDef acc_methods[] = {
    {"add", (PyCFunction)acc_add, METH_O, "add(x): append a value"},
    {"mean", (PyCFunction)acc_mean, METH_NOARGS, "the arithmetic mean"},
    {"median", (PyCFunction)acc_median, METH_NOARGS, "the median (libc qsort)"},
    {"map", (PyCFunction)acc_map, METH_O, "map(func): a new Accumulator of func(v)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef acc_getset[] = {
    {"total", (getter)acc_get_total, NULL, "the sum of the values", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot acc_slots[] = {
    {Py_tp_new, acc_new},
    {Py_tp_dealloc, acc_dealloc},
    {Py_tp_repr, acc_repr},
    {Py_tp_methods, acc_methods},
    {Py_tp_getset, acc_getset},
    {Py_sq_length, acc_length},
    {Py_sq_item, acc_item},
    {Py_tp_doc, "Accumulator([values]): a growing array of floats"},
    {0, NULL},
};

static PyType_Spec acc_spec = {
    .name = "wasmdemo.Accumulator",
    .basicsize = sizeof(Accumulator),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = acc_slots,
};

/* ------------------------------------------------------- module functions */

/* parse_floats(text): the floats in a comma-separated string (libc strtod);
 * DemoError names the first field that is not a number. */
static PyObject *parse_floats(PyObject *module, PyObject *arg) {
  const char *s = PyUnicode_AsUTF8(arg);
  if (s == NULL) {
    return NULL;
  }
  PyObject *list = PyList_New(0);
  if (list == NULL) {
    return NULL;
  }
  for (int field = 1;; field++) {
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ') {
      end++;
    }
    if (end == s || (*end != ',' && *end != '\0')) {
      Py_DECREF(list);
      PyErr_Format(get_state(module)->error, "field %d is not a number: %.20s", field, s);
      return NULL;
    }
    PyObject *f = PyFloat_FromDouble(v);
    if (f == NULL || PyList_Append(list, f) < 0) {
      Py_XDECREF(f);
      Py_DECREF(list);
      return NULL;
    }
    Py_DECREF(f);
    if (*end == '\0') {
      return list;
    }
    s = end + 1;
  }
}

/* fnv1a(data): the 32-bit FNV-1a hash of a bytes-like object. */
static PyObject *fnv1a(PyObject *Py_UNUSED(module), PyObject *arg) {
  Py_buffer view;
  if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
    return NULL;
  }
  unsigned int h = 2166136261u;
  const unsigned char *p = view.buf;
  for (Py_ssize_t i = 0; i < view.len; i++) {
    h = (h ^ p[i]) * 16777619u;
  }
  PyBuffer_Release(&view);
  return PyLong_FromUnsignedLong(h);
}

static PyObject *created(PyObject *module, PyObject *Py_UNUSED(ignored)) {
  return PyLong_FromLong(get_state(module)->created);
}

static PyMethodDef demo_methods[] = {
    {"parse_floats", parse_floats, METH_O, "parse_floats(text): floats of a comma-separated string"},
    {"fnv1a", fnv1a, METH_O, "fnv1a(data): 32-bit FNV-1a hash"},
    {"created", created, METH_NOARGS, "how many Accumulators this module made"},
    {NULL, NULL, 0, NULL},
};

/* ----------------------------------------------------------------- module */

static int demo_exec(PyObject *module) {
  demo_state *st = get_state(module);
  st->error = PyErr_NewExceptionWithDoc("wasmdemo.DemoError", "errors of wasmdemo", PyExc_ValueError, NULL);
  if (st->error == NULL || PyModule_AddObjectRef(module, "DemoError", st->error) < 0) {
    return -1;
  }
  st->acc_type = PyType_FromModuleAndSpec(module, &acc_spec, NULL);
  if (st->acc_type == NULL || PyModule_AddObjectRef(module, "Accumulator", st->acc_type) < 0) {
    return -1;
  }
#ifdef __wasm__
  return PyModule_AddStringConstant(module, "compiled_for", "wasm32");
#else
  return PyModule_AddStringConstant(module, "compiled_for", "native");
#endif
}

static int demo_traverse(PyObject *module, visitproc visit, void *arg) {
  demo_state *st = get_state(module);
  Py_VISIT(st->error);
  Py_VISIT(st->acc_type);
  return 0;
}

static int demo_clear(PyObject *module) {
  demo_state *st = get_state(module);
  Py_CLEAR(st->error);
  Py_CLEAR(st->acc_type);
  return 0;
}

static PyModuleDef_Slot demo_slots[] = {
    {Py_mod_exec, demo_exec},
    {0, NULL},
};

static struct PyModuleDef demo_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "wasmdemo",
    .m_doc = "A small third-party C extension, built outside CPython's tree.",
    .m_size = sizeof(demo_state),
    .m_methods = demo_methods,
    .m_slots = demo_slots,
    .m_traverse = demo_traverse,
    .m_clear = demo_clear,
};

PyMODINIT_FUNC PyInit_wasmdemo(void) { return PyModuleDef_Init(&demo_module); }
