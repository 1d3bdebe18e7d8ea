/*
 * Optional accelerator for the model decoders of mediamtx_camera_sdk._convert.
 *
 * A Decoder is made from a model class, a plan (one entry per attrs field) and
 * the generated Python decoder of the same class, which stays the reference.
 * Calling it builds the model the way the Python decoder does on its success
 * path: a new object, each slot set from its wire member (the first of the
 * field's paths, of one or two keys, that leads to a value other than null;
 * the value itself when it has the field's exact type, the field's default when
 * there is none, else whatever the field's checker returns). Whenever something is off
 * (the input is not a plain dict, a required member is missing, a path leads
 * through something that is not a plain dict, a checker raises), the partly
 * built object is dropped and the Python decoder decodes the value from the
 * start: it raises the error, with its field path, exactly as without this
 * module. Only exceptions that are not Exception subclasses (KeyboardInterrupt,
 * SystemExit) propagate from here directly.
 *
 * Built when a C compiler is available (pip install); without it the SDK uses
 * the Python decoders alone.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#ifndef Py_TPFLAGS_HAVE_VECTORCALL
#define Py_TPFLAGS_HAVE_VECTORCALL _Py_TPFLAGS_HAVE_VECTORCALL
#endif

/* What a field holds when its wire member is absent or null. */
enum {
    DEFAULT_NONE = 0,     /* None */
    DEFAULT_VALUE = 1,    /* a shared immutable value */
    DEFAULT_LIST = 2,     /* a new empty list */
    DEFAULT_DICT = 3,     /* a new empty dict */
    DEFAULT_FACTORY = 4,  /* the result of calling a factory */
    DEFAULT_REQUIRED = 5  /* nothing: the member is required */
};

typedef struct {
    PyObject *descr;      /* the slot's member descriptor */
    descrsetfunc set;     /* its tp_descr_set */
    int raw;              /* the field holds the input mapping itself */
    PyObject *paths;      /* tuple of paths, each a tuple of one or two str keys */
    PyObject *exact;      /* the type taken as is, or NULL */
    PyObject *check;      /* the checker of any other value, or NULL */
    int default_kind;
    PyObject *default_value; /* DEFAULT_VALUE: the value; DEFAULT_FACTORY: the factory */
} Field;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyTypeObject *cls;
    PyObject *fallback;
    Py_ssize_t size;
    Field *fields;
} Decoder;

/* Outcome of build(): a model, a propagating exception, or "let Python decode". */
#define HANDED_OVER ((PyObject *)1)

static PyObject *
field_default(const Field *f)
{
    switch (f->default_kind) {
    case DEFAULT_NONE:
        Py_INCREF(Py_None);
        return Py_None;
    case DEFAULT_VALUE:
        Py_INCREF(f->default_value);
        return f->default_value;
    case DEFAULT_LIST:
        return PyList_New(0);
    case DEFAULT_DICT:
        return PyDict_New();
    case DEFAULT_FACTORY:
        return PyObject_CallNoArgs(f->default_value);
    default:
        return HANDED_OVER;
    }
}

/* A new model; NULL with an exception set; or HANDED_OVER (no exception set). */
static PyObject *
build(Decoder *self, PyObject *data)
{
    if (!PyDict_CheckExact(data)) {
        return HANDED_OVER;
    }
    PyObject *obj = self->cls->tp_alloc(self->cls, 0);
    if (obj == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < self->size; i++) {
        const Field *f = &self->fields[i];
        PyObject *value;
        if (f->raw) {
            Py_INCREF(data);
            value = data;
        }
        else {
            PyObject *item = NULL; /* borrowed */
            Py_ssize_t count = PyTuple_GET_SIZE(f->paths);
            for (Py_ssize_t j = 0; j < count; j++) {
                PyObject *path = PyTuple_GET_ITEM(f->paths, j);
                item = PyDict_GetItemWithError(data, PyTuple_GET_ITEM(path, 0));
                if (item == NULL && PyErr_Occurred()) {
                    goto failed;
                }
                if (PyTuple_GET_SIZE(path) == 2 && item != NULL && item != Py_None) {
                    if (!PyDict_CheckExact(item)) {
                        goto hand_over;
                    }
                    item = PyDict_GetItemWithError(item, PyTuple_GET_ITEM(path, 1));
                    if (item == NULL && PyErr_Occurred()) {
                        goto failed;
                    }
                }
                if (item != NULL && item != Py_None) {
                    break;
                }
            }
            if (item == NULL || item == Py_None) {
                value = field_default(f);
                if (value == HANDED_OVER) {
                    goto hand_over;
                }
            }
            else if ((PyObject *)Py_TYPE(item) == f->exact) {
                Py_INCREF(item);
                value = item;
            }
            else if (f->check != NULL) {
                value = PyObject_CallOneArg(f->check, item);
            }
            else {
                goto hand_over;
            }
            if (value == NULL) {
                goto failed;
            }
        }
        int status = f->set(f->descr, obj, value);
        Py_DECREF(value);
        if (status < 0) {
            goto failed;
        }
    }
    return obj;

failed:
    Py_DECREF(obj);
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return NULL;
    }
    PyErr_Clear();
    return HANDED_OVER;

hand_over:
    Py_DECREF(obj);
    return HANDED_OVER;
}

static PyObject *
decoder_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Decoder *self = (Decoder *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "a decoder takes one positional argument");
        return NULL;
    }
    PyObject *result = build(self, args[0]);
    if (result == HANDED_OVER) {
        return PyObject_CallOneArg(self->fallback, args[0]);
    }
    return result;
}

static void
clear_fields(Decoder *self)
{
    if (self->fields == NULL) {
        return;
    }
    for (Py_ssize_t i = 0; i < self->size; i++) {
        Field *f = &self->fields[i];
        Py_CLEAR(f->descr);
        Py_CLEAR(f->paths);
        Py_CLEAR(f->exact);
        Py_CLEAR(f->check);
        Py_CLEAR(f->default_value);
    }
}

static int
decoder_traverse(Decoder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cls);
    Py_VISIT(self->fallback);
    if (self->fields != NULL) {
        for (Py_ssize_t i = 0; i < self->size; i++) {
            Field *f = &self->fields[i];
            Py_VISIT(f->descr);
            Py_VISIT(f->paths);
            Py_VISIT(f->exact);
            Py_VISIT(f->check);
            Py_VISIT(f->default_value);
        }
    }
    return 0;
}

static int
decoder_clear(Decoder *self)
{
    Py_CLEAR(self->cls);
    Py_CLEAR(self->fallback);
    clear_fields(self);
    return 0;
}

static void
decoder_dealloc(Decoder *self)
{
    PyObject_GC_UnTrack(self);
    decoder_clear(self);
    PyMem_Free(self->fields);
    self->fields = NULL;
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* None -> NULL; anything else a new reference. */
static PyObject *
optional(PyObject *value)
{
    if (value == Py_None) {
        return NULL;
    }
    Py_INCREF(value);
    return value;
}

static int
read_field(Field *f, PyObject *entry)
{
    PyObject *descr, *paths, *exact, *check, *default_value;
    int raw, default_kind;
    if (!PyArg_ParseTuple(entry, "OpO!OOiO;a field is (descr, raw, paths, exact, check, "
                          "default_kind, default)", &descr, &raw, &PyTuple_Type, &paths, &exact,
                          &check, &default_kind, &default_value)) {
        return -1;
    }
    descrsetfunc set = Py_TYPE(descr)->tp_descr_set;
    if (set == NULL) {
        PyErr_SetString(PyExc_TypeError, "a field's descriptor must be settable");
        return -1;
    }
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(paths); j++) {
        PyObject *path = PyTuple_GET_ITEM(paths, j);
        Py_ssize_t length = PyTuple_Check(path) ? PyTuple_GET_SIZE(path) : 0;
        if (length < 1 || length > 2 || !PyUnicode_CheckExact(PyTuple_GET_ITEM(path, 0))
            || (length == 2 && !PyUnicode_CheckExact(PyTuple_GET_ITEM(path, 1)))) {
            PyErr_SetString(PyExc_TypeError, "a field's path must be a tuple of one or two str");
            return -1;
        }
    }
    if (!raw && PyTuple_GET_SIZE(paths) == 0) {
        PyErr_SetString(PyExc_ValueError, "a field needs at least one path");
        return -1;
    }
    if (exact != Py_None && !PyType_Check(exact)) {
        PyErr_SetString(PyExc_TypeError, "a field's exact type must be a type or None");
        return -1;
    }
    if (check != Py_None && !PyCallable_Check(check)) {
        PyErr_SetString(PyExc_TypeError, "a field's checker must be callable or None");
        return -1;
    }
    if (default_kind < DEFAULT_NONE || default_kind > DEFAULT_REQUIRED) {
        PyErr_SetString(PyExc_ValueError, "unknown default kind");
        return -1;
    }
    if (default_kind == DEFAULT_FACTORY && !PyCallable_Check(default_value)) {
        PyErr_SetString(PyExc_TypeError, "a default factory must be callable");
        return -1;
    }
    Py_INCREF(descr);
    f->descr = descr;
    f->set = set;
    f->raw = raw;
    Py_INCREF(paths);
    f->paths = paths;
    f->exact = optional(exact);
    f->check = optional(check);
    f->default_kind = default_kind;
    f->default_value = optional(default_value);
    return 0;
}

static PyObject *
decoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"cls", "fields", "fallback", NULL};
    PyObject *cls, *fields, *fallback;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!O:Decoder", names, &PyType_Type, &cls,
                                     &PyTuple_Type, &fields, &fallback)) {
        return NULL;
    }
    if (!PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "fallback must be callable");
        return NULL;
    }
    if (((PyTypeObject *)cls)->tp_alloc == NULL) {
        PyErr_SetString(PyExc_TypeError, "the class cannot be allocated");
        return NULL;
    }
    Decoder *self = (Decoder *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->vectorcall = decoder_vectorcall;
    Py_INCREF(cls);
    self->cls = (PyTypeObject *)cls;
    Py_INCREF(fallback);
    self->fallback = fallback;
    Py_ssize_t size = PyTuple_GET_SIZE(fields);
    self->fields = PyMem_Calloc(size ? (size_t)size : 1, sizeof(Field));
    if (self->fields == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *entry = PyTuple_GET_ITEM(fields, i);
        if (!PyTuple_Check(entry)) {
            PyErr_SetString(PyExc_TypeError, "each field must be a tuple");
            Py_DECREF(self);
            return NULL;
        }
        self->size = i + 1; /* clear_fields sees the fields read so far */
        if (read_field(&self->fields[i], entry) < 0) {
            Py_DECREF(self);
            return NULL;
        }
    }
    self->size = size;
    return (PyObject *)self;
}

static PyObject *
decoder_get_fallback(Decoder *self, void *closure)
{
    (void)closure;
    Py_INCREF(self->fallback);
    return self->fallback;
}

static PyObject *
decoder_get_cls(Decoder *self, void *closure)
{
    (void)closure;
    Py_INCREF(self->cls);
    return (PyObject *)self->cls;
}

static PyGetSetDef decoder_getset[] = {
    {"fallback", (getter)decoder_get_fallback, NULL, "the Python decoder of the same class", NULL},
    {"cls", (getter)decoder_get_cls, NULL, "the model class", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mediamtx_camera_sdk._speedups.Decoder",
    .tp_doc = "Decoder(cls, fields, fallback): a model decoder, see the module docstring.",
    .tp_basicsize = sizeof(Decoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = decoder_new,
    .tp_dealloc = (destructor)decoder_dealloc,
    .tp_traverse = (traverseproc)decoder_traverse,
    .tp_clear = (inquiry)decoder_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Decoder, vectorcall),
    .tp_getset = decoder_getset,
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mediamtx_camera_sdk._speedups",
    .m_doc = "Optional C model decoders for mediamtx_camera_sdk (see _convert).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&DecoderType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&speedups_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&DecoderType);
    if (PyModule_AddObject(module, "Decoder", (PyObject *)&DecoderType) < 0) {
        Py_DECREF(&DecoderType);
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddIntConstant(module, "DEFAULT_NONE", DEFAULT_NONE) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_VALUE", DEFAULT_VALUE) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_LIST", DEFAULT_LIST) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_DICT", DEFAULT_DICT) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_FACTORY", DEFAULT_FACTORY) < 0
        || PyModule_AddIntConstant(module, "DEFAULT_REQUIRED", DEFAULT_REQUIRED) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
