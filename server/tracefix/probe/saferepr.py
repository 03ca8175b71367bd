"""Render values as short text without running any of the user's code.

Runs inside the user's interpreter (stdlib only, Python 3.9+), loaded by path next to
``tracer.py``. Tracing must not change what the program does, so nothing here calls a
dunder, descriptor or property that user code could have defined:

* builtins are recognised by *exact* type (``type(x) is list``), because a subclass may
  override ``__iter__``/``__len__``/``__repr__``; subclasses of builtins are walked through
  the builtin's own C methods (``list.__iter__(x)``), never through their overrides;
* sets and dicts are shown in iteration order, never sorted (sorting calls ``__lt__``,
  and nothing here hashes or compares elements);
* other objects become ``TypeName(field=...)`` from the instance ``__dict__`` and the slots,
  both read through the C descriptors of the class, never through ``getattr``/``hasattr``
  (which would run ``__getattr__``, ``__getattribute__`` and properties);
* class-level facts (name, MRO, class dict) are read through ``type``'s own descriptors,
  so a metaclass cannot intercept them; ``isinstance`` is avoided because it falls back to
  ``obj.__class__``, which user code can define.

Every value has a budget (characters, nesting depth, items per container); a budget cut
shows as ``...``, which is also what makes the text unparseable as a literal downstream.
"""
from __future__ import annotations

import collections
import sys
import types

_IMMUTABLE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE (3.10+): static types and C extension heap types
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class statement, type(), or a C extension's heap type

# type's own descriptors: reading them cannot be intercepted by a user metaclass.
_MRO = type.__dict__["__mro__"]
_CLASS_DICT = type.__dict__["__dict__"]
_NAME = type.__dict__["__name__"]
_QUALNAME = type.__dict__["__qualname__"]
_FLAGS = type.__dict__["__flags__"]
_EXC_ARGS = BaseException.__dict__["args"]
_MODULE_DICT = types.ModuleType.__dict__["__dict__"]
_OBJECT_HASH = object.__dict__["__hash__"]
_OBJECT_EQ = object.__dict__["__eq__"]

MAX_CLASSES = 4096  # user classes whose field layout is kept (see SafeRepr._object_renderer)
_SMALL_INT = 10 ** 18  # exact ints within this print fast; larger ones go through the size check
_GETSET = types.GetSetDescriptorType
_MEMBER = types.MemberDescriptorType
_NONE = type(None)
# What a builtin exception's own __str__ may format without reaching user code.
_PLAIN = (str, bytes, bool, int, float, _NONE)
# C types of the standard library whose repr only formats their own data. Looked up in
# sys.modules when first met: importing a module here would itself change the program.
_STDLIB_C_TYPES = {
    "datetime": ("date", "datetime", "time", "timedelta", "timezone"),
    "decimal": ("Decimal",),
    "re": ("Pattern", "Match"),
}


def class_attr(cls, name):
    """(value, True) for ``name`` found in the raw dicts along ``cls``'s MRO, else (None, False).

    No descriptor is called and no metaclass ``__getattribute__`` runs."""
    for klass in _MRO.__get__(cls):
        d = _CLASS_DICT.__get__(klass)
        if name in d:
            return d[name], True
    return None, False


def type_name(cls) -> str:
    try:
        return _NAME.__get__(cls)
    except Exception:  # a C type without a usable name
        return "object"


def is_builtin_class(cls) -> bool:
    """True for classes written in C (not created by a class statement or type())."""
    flags = _FLAGS.__get__(cls)
    # Python code cannot make a class immutable; C extensions (re, decimal on 3.12+) do.
    return not (flags & _HEAPTYPE) or bool(flags & _IMMUTABLE)


def is_plain(value) -> bool:
    """Exact str/bytes/bool/int/float/None (``in`` on a tuple of types would run a metaclass __eq__)."""
    cls = type(value)
    for plain in _PLAIN:
        if cls is plain:
            return True
    return False


class SafeRepr:
    """``repr(value)`` of the safe kind: bounded, and never a call into user code."""

    def __init__(self, limit: int = 96, depth: int = 3, items: int = 8, dict_items: int = 6):
        self.limit = limit
        self.maxlevel = depth
        self.items = items
        self.dict_items = dict_items
        self._written = 0  # see _join
        self._stop = limit  # past this many characters written, the rest of a value is never shown
        self._known = {}  # exact type -> renderer, for builtins, stdlib C types and classes met so far
        self._classes = 0  # class statements among them
        self._metas = {}  # metaclass -> whether its classes may be keys of _known (see _hashable_meta)
        # C types shown as "<name object>" (iterators, generators, operator.itemgetter, ...): what
        # _instance decides for them depends on the class alone, and a C class cannot change.
        self._opaque = {}
        self._stdlib_seen = set()  # stdlib modules whose C types are already in _known
        self._by_base = (
            (str, self._str), (bytes, self._bytes), (bytearray, self._bytearray),
            (bool, self._scalar), (int, self._int), (float, self._scalar), (complex, self._scalar),
            (list, self._list), (tuple, self._tuple), (dict, self._dict), (set, self._set),
            (frozenset, self._frozenset), (collections.deque, self._deque),
        )
        for cls, fn in self._by_base:
            self._known[cls] = fn
        for cls in (_NONE, type(Ellipsis), type(NotImplemented), range):
            self._known[cls] = self._scalar
        self._known[slice] = self._slice
        self._known[types.FunctionType] = self._function
        self._known[types.BuiltinFunctionType] = self._builtin_function
        self._known[types.MethodType] = self._method
        self._known[types.ModuleType] = self._module
        self._known[type] = lambda x, level: self._class(x)

    # -- entry points ---------------------------------------------------------------------
    def repr(self, value) -> str:
        cls = type(value)
        # The values of most locals, inline: the tracer renders every visit of a hot loop.
        if cls is int:
            if -_SMALL_INT < value < _SMALL_INT:
                return int.__repr__(value)
        elif cls is float or cls is bool or value is None:
            return repr(value)
        elif cls is str:
            if str.__len__(value) <= self.limit:  # what _str does for an exact str that fits
                text = str.__repr__(value)
                return text if len(text) <= self.limit else text[: self.limit - 3] + "..."
        else:
            text = self._opaque.get(cls) if type(cls) is type else None  # see _r about the metaclass
            if text is not None:
                return self._cut(text)
        self._written = 0
        try:
            text = self._r(value, self.maxlevel)
        except RecursionError:  # the user's recursion left us no stack: say so, change nothing
            return "<not shown: recursion limit>"
        except Exception as exc:  # a bug here must never reach the user's program
            return "<not shown: " + type_name(type(exc)) + ">"
        return self._cut(text)

    def message(self, exc) -> str:
        """One line saying what ``exc`` says, as ``str(exc)`` would, without user ``__str__``."""
        try:
            text = self._message(exc)
        except RecursionError:
            return "<not shown: recursion limit>"
        except Exception:
            return "<unprintable>"
        text = text.strip().split("\n", 1)[0]
        return text if len(text) <= 200 else text[:197] + "..."

    # -- dispatch -------------------------------------------------------------------------
    def _r(self, x, level):
        cls = type(x)
        # A user metaclass may define __hash__/__eq__, which a dict lookup of ``cls`` would
        # run; builtins always have ``type`` itself as their metaclass.
        meta = type(cls)
        if meta is type or self._hashable_meta(meta):
            fn = self._known.get(cls)
            if fn is not None:
                return fn(x, level)
        if meta is type:
            text = self._opaque.get(cls)
            if text is not None:
                return text
            if is_builtin_class(cls):
                fn = self._stdlib_renderer(cls)
                if fn is not None:
                    return fn(x, level)
        return self._instance(x, cls, level)

    def _hashable_meta(self, meta):
        """Whether classes of the metaclass ``meta`` can be dict keys without running user code:
        its __hash__ and __eq__ are object's own (abc.ABCMeta's are), and it is no EnumMeta
        (whose members render by name, see _instance)."""
        if type(meta) is not type:
            return False
        known = self._metas.get(meta)
        if known is None:
            hash_, _ = class_attr(meta, "__hash__")
            eq, _ = class_attr(meta, "__eq__")
            known = hash_ is _OBJECT_HASH and eq is _OBJECT_EQ and not _is_enum_meta(meta)
            self._metas[meta] = known
        return known

    def _stdlib_renderer(self, cls):
        for module_name, names in _STDLIB_C_TYPES.items():
            if module_name in self._stdlib_seen:
                continue
            module = sys.modules.get(module_name)
            if type(module) is not types.ModuleType:
                continue
            self._stdlib_seen.add(module_name)
            namespace = _MODULE_DICT.__get__(module)
            for name in names:
                found = namespace.get(name)
                if type(found) is type and is_builtin_class(found):
                    self._known[found] = self._aware if name in ("datetime", "time") else self._scalar
        return self._known.get(cls)

    def _stdlib_known(self, cls):
        """False while a stdlib module whose C types we render could still be imported and name ``cls``."""
        for module_name, names in _STDLIB_C_TYPES.items():
            if module_name not in self._stdlib_seen and type_name(cls) in names:
                return False
        return True

    def _aware(self, x, level):
        """datetime/time: their repr includes repr(tzinfo), which may be a user class."""
        cls = type(x)
        tz = cls.__dict__["tzinfo"].__get__(x)
        tz_cls = type(tz)
        # None, or datetime.timezone (looked up only for a plain metaclass: see _r).
        if tz is None or (type(tz_cls) is type and self._known.get(tz_cls) is self._scalar):
            return repr(x)
        naive = cls.replace(x, tzinfo=None)  # the C method of the exact type: no user code
        return repr(naive)[:-1] + ", tzinfo=" + self._r(tz, level - 1) + ")"

    def _cut(self, text):
        return text if len(text) <= self.limit else text[: self.limit - 3] + "..."

    # -- scalars --------------------------------------------------------------------------
    def _scalar(self, x, level):
        return repr(x)  # exact builtin or stdlib C type: its repr only formats its own data

    def _int(self, x, level):
        bits = int.bit_length(x)
        if bits > 4 * self.limit:  # far beyond what is shown; repr would be slow (and capped on 3.11+)
            return "<int of %d bits>" % bits
        return int.__repr__(x)

    def _str(self, x, level):
        n = str.__len__(x)
        if n <= self.limit:
            return repr(str.__getitem__(x, slice(None)))
        head = str.__getitem__(x, slice(0, self.limit // 2))
        tail = str.__getitem__(x, slice(n - self.limit // 4, n))
        return repr(head)[:-1] + "..." + repr(tail)[1:]

    def _bytes(self, x, level):
        n = bytes.__len__(x)
        if n <= self.limit:
            return repr(bytes.__getitem__(x, slice(None)))
        return repr(bytes.__getitem__(x, slice(0, self.limit // 2)))[:-1] + "..."

    def _bytearray(self, x, level):
        head = bytearray.__getitem__(x, slice(0, self.limit + 1))  # an exact bytearray
        return "bytearray(" + self._bytes(bytes(head), level) + ")"

    def _slice(self, x, level):
        return "slice(%s, %s, %s)" % (self._r(x.start, level - 1), self._r(x.stop, level - 1),
                                      self._r(x.step, level - 1))

    # -- containers -----------------------------------------------------------------------
    def _join(self, iterator, render, cap, level):
        """Render up to ``cap`` items (stopping early once over the character budget).

        ``_written`` is a lower bound of where the text being rendered has got to (openers and
        name prefixes are not counted until their container is done). Once past ``limit``,
        ``repr`` will keep only the first ``limit - 3`` characters, which are already written,
        so nothing more is rendered: a linked structure costs its first hundred characters,
        not every level of every field."""
        parts, used = [], 0
        for x in iterator:
            if len(parts) >= cap or used > self.limit or self._written > self._stop:
                parts.append("...")
                break
            if parts:
                self._written += 2  # the separator before this item
            start = self._written
            text = render(x, level - 1)
            parts.append(text)
            used += len(text) + 2
            self._written = start + len(text)
        return ", ".join(parts)

    def _seq(self, iterator, total, level, opener, closer):
        if total == 0:
            return opener + closer
        if level <= 0:
            return opener + "..." + closer
        return opener + self._join(iterator, self._r, self.items, level) + closer

    def _list(self, x, level):
        n = list.__len__(x)
        head = list.__getitem__(x, slice(0, self.items))  # an exact list, whatever x is
        if level > 0 and self._plain_items(head):
            return repr(head) if n <= self.items else repr(head)[:-1] + ", ...]"
        if n <= self.items and self._exact(head, level):
            text = repr(head)
            if len(text) <= self.limit - 2:  # see _exact
                return text
        return self._seq(list.__iter__(x), n, level, "[", "]")

    def _tuple(self, x, level):
        n = tuple.__len__(x)
        if 0 < n <= self.items and level > 0:
            head = tuple.__getitem__(x, slice(0, n))  # an exact tuple, whatever x is
            if self._plain_items(head):
                return repr(head)
            if self._exact(head, level):
                text = repr(head)
                if len(text) <= self.limit - 2:  # see _exact
                    return text
        text = self._seq(tuple.__iter__(x), n, level, "(", ")")
        return text[:-1] + ",)" if n == 1 and level > 0 else text

    def _plain_items(self, items):
        """All exact small ints, floats, bools, None or short strs: C's own repr of them is safe and fast."""
        for v in items:
            cls = type(v)
            if cls is int:
                if not -_SMALL_INT < v < _SMALL_INT:
                    return False
            elif cls is str:
                if str.__len__(v) > self.limit:
                    return False
            elif not (cls is float or cls is bool or v is None):
                return False
        return True

    def _exact(self, items, level, keys=()):
        """Whether C's repr writes a container of ``items`` (and dict ``keys``) at ``level`` as _join would.

        True when every item is a plain scalar (see _plain_items) or, with a level to spare, an
        exact list, tuple or dict of such, recursively, none over its item cap, and there are
        few enough scalars that the text could fit: each takes a character and a separator, so
        more than a third of the budget never fits. The callers take C's text only when it is
        short enough (``limit - 2``) that the character budget never stopped _join either."""
        if level <= 0:
            return False
        left = self._scalars_left(keys, level - 1, self.limit // 3)
        return left >= 0 and self._scalars_left(items, level - 1, left) >= 0

    def _scalars_left(self, items, level, left):
        """``left`` less the scalars among ``items`` (rendered at ``level``), or -1 when C's repr
        of them could differ from ours (see _exact)."""
        for v in items:
            cls = type(v)
            if cls is int:
                if not -_SMALL_INT < v < _SMALL_INT:
                    return -1
            elif cls is str:
                if str.__len__(v) > self.limit:
                    return -1
            elif cls is list or cls is tuple or cls is dict:
                n = len(v)  # an exact builtin: its own C length
                if n == 0:
                    continue  # "[]", "()", "{}" at any level
                if level <= 0 or n > (self.dict_items if cls is dict else self.items):
                    return -1
                if cls is dict:
                    left = self._scalars_left(dict.keys(v), level - 1, left)
                    items_of = dict.values(v)
                else:
                    items_of = v
                if left >= 0:
                    left = self._scalars_left(items_of, level - 1, left)
                if left < 0:
                    return -1
                continue
            elif not (cls is float or cls is bool or v is None):
                return -1
            left -= 1
            if left < 0:
                return -1
        return left

    def _set(self, x, level):
        n = set.__len__(x)
        return self._seq(set.__iter__(x), n, level, "{", "}") if n else "set()"

    def _frozenset(self, x, level):
        n = frozenset.__len__(x)
        return "frozenset(" + self._seq(frozenset.__iter__(x), n, level, "{", "}") + ")" if n else "frozenset()"

    def _deque(self, x, level):
        inner = self._seq(collections.deque.__iter__(x), collections.deque.__len__(x), level, "[", "]")
        maxlen = collections.deque.__dict__["maxlen"].__get__(x)
        return "deque(" + inner + (", maxlen=%d" % maxlen if type(maxlen) is int else "") + ")"

    def _dict(self, x, level):
        n = dict.__len__(x)
        if n == 0:
            return "{}"
        if level <= 0:
            return "{...}"
        if n <= self.dict_items and self._exact(dict.values(x), level, dict.keys(x)):
            # C's repr of plain keys and values, where it is what _join below would write: no
            # item cap reached, and short enough that the character budget never cut in.
            text = dict.__repr__(x)
            if len(text) <= self.limit - 2:
                return text

        def pair(kv, lvl):
            return self._r(kv[0], lvl) + ": " + self._r(kv[1], lvl)

        # dict.items over the dict's own storage: no __iter__, __hash__ or __eq__ of the keys runs.
        return "{" + self._join(iter(dict.items(x)), pair, self.dict_items, level) + "}"

    # -- functions, modules, classes ------------------------------------------------------
    def _function(self, x, level):
        return "<function " + types.FunctionType.__dict__["__qualname__"].__get__(x) + ">"

    def _builtin_function(self, x, level):
        return "<built-in function " + types.BuiltinFunctionType.__dict__["__name__"].__get__(x) + ">"

    def _method(self, x, level):
        func = types.MethodType.__dict__["__func__"].__get__(x)
        if type(func) is types.FunctionType:
            return "<bound method " + types.FunctionType.__dict__["__qualname__"].__get__(func) + ">"
        return "<bound method>"

    def _module(self, x, level):
        name = _MODULE_DICT.__get__(x).get("__name__")
        return "<module " + (repr(name) if type(name) is str else "?") + ">"

    def _class(self, cls):
        try:
            name = _QUALNAME.__get__(cls)
        except Exception:
            name = type_name(cls)
        return "<class " + repr(name) + ">"

    # -- everything else ------------------------------------------------------------------
    def _instance(self, x, cls, level):
        if issubclass(cls, type):  # a class object (its metaclass may be the user's)
            return self._class(x)
        name = type_name(cls)
        # EnumMeta is not type: a class whose metaclass is type itself is no enum.
        enum_member = self._enum_member(x, cls, name) if type(cls) is not type else None
        if enum_member is not None:
            return enum_member
        # For a C class with type as its metaclass, what follows depends on the class alone and
        # a C class cannot change: the choice is kept as its renderer (see _r).
        fixed = type(cls) is type and is_builtin_class(cls) and self._stdlib_known(cls)
        if issubclass(cls, BaseException):
            if fixed:
                self._known[cls] = lambda x, level: self._exception(x, name, level)
            return self._exception(x, name, level)
        base = self._builtin_base(cls)
        if base is not None:
            if fixed:
                self._known[cls] = lambda x, level: self._subclass_of_builtin(x, cls, name, base, level)
            return self._subclass_of_builtin(x, cls, name, base, level)
        if is_builtin_class(cls):
            text = "<" + name + " object>"  # C types we do not know: their repr is theirs to run
            if fixed:
                self._opaque[cls] = text
            return text
        layout = _layout(cls)
        if self._classes < MAX_CLASSES and (type(cls) is type or self._hashable_meta(type(cls))):
            self._known[cls] = self._object_renderer(cls, name, layout)
            self._classes += 1
        return self._object(x, cls, name, layout, level)

    def _object_renderer(self, cls, name, layout):
        """The renderer of a class statement's instances, kept while the class keeps its MRO.

        Where an instance keeps its fields depends on the class's MRO alone; looking it up is
        most of the cost of rendering ``self`` at every visit of a method. A class whose
        ``__bases__`` are reassigned gets a new MRO tuple, and is looked at again."""
        mro = _MRO.__get__(cls)

        def render(x, level):
            if _MRO.__get__(cls) is not mro:
                del self._known[cls]
                self._classes -= 1
                return self._instance(x, cls, level)
            return self._object(x, cls, name, layout, level)

        return render

    def _object(self, x, cls, name, layout, level):
        if level <= 0:
            return name + "(...)"
        fields = self._fields(x, cls, layout)
        if fields is None:
            return "<" + name + " object>"
        return name + "(" + self._join(iter(fields), self._field, self.dict_items, level) + ")"

    def _field(self, kv, level):
        return kv[0] + "=" + self._r(kv[1], level)

    def _fields(self, x, cls, layout):
        """(name, value) pairs of the instance dict and the slots, read raw; None if it has neither."""
        dict_getter, slots = layout
        out, found = [], False
        d = _read_dict(dict_getter, x, cls)
        if d is not None:
            found = True
            for key, value in dict.items(d):
                if type(key) is str and not key.startswith("__"):
                    out.append((key, value))
                    if len(out) > self.dict_items:
                        return out
        for member in slots:  # a slot: its C getter only reads the instance
            found = True
            try:
                out.append((member.__name__, member.__get__(x, cls)))
            except AttributeError:  # an unset slot
                continue
            if len(out) > self.dict_items:
                return out
        return out if found else None

    def _builtin_base(self, cls):
        for klass, _ in self._by_base:
            if issubclass(cls, klass):
                return klass
        return None

    def _subclass_of_builtin(self, x, cls, name, base, level):
        """A user subclass of a builtin, walked through the builtin's C methods."""
        if base is float or base is complex:
            return base.__repr__(x)  # what Python shows for a subclass without its own __repr__
        if base is tuple:
            fields, has = class_attr(cls, "_fields")  # a namedtuple: show its field names
            if has and type(fields) is tuple and tuple.__len__(fields) == tuple.__len__(x) and \
                    all(type(f) is str for f in tuple.__iter__(fields)):
                if level <= 0:
                    return name + "(...)"
                pairs = list(zip(tuple.__iter__(fields), tuple.__iter__(x)))
                return name + "(" + self._join(iter(pairs), self._field, self.items, level) + ")"
        inner = self._known[base](x, level)
        if base is str or base is bytes or base is int:
            return inner
        return name + "(" + inner + ")"

    def _enum_member(self, x, cls, name):
        if not _is_enum_meta(type(cls)):
            return None
        d = instance_dict(x, cls)
        member = dict.get(d, "_name_") if d is not None else None
        return name + "." + member if type(member) is str else None

    # -- exceptions -----------------------------------------------------------------------
    def _exception(self, x, name, level):
        args = _EXC_ARGS.__get__(x)
        return name + self._seq(tuple.__iter__(args), tuple.__len__(args), level, "(", ")")

    def _message(self, exc):
        cls = type(exc)
        if not issubclass(cls, BaseException):
            return self.repr(exc)
        args = _EXC_ARGS.__get__(exc)
        owner = _defining_class(cls, "__str__")
        if owner is not None and owner is not BaseException and is_builtin_class(owner) and \
                all(is_plain(a) for a in tuple.__iter__(args)) and _plain_members(exc, cls):
            return str(exc)  # KeyError, OSError, ...: C code formatting plain values only
        # BaseException.__str__ by hand; also what a user __str__ is replaced by (it is not run).
        n = tuple.__len__(args)
        if n == 0:
            return ""
        if n == 1:
            arg = tuple.__getitem__(args, 0)
            return arg if type(arg) is str else self.repr(arg)
        return self.repr(args)


def instance_dict(x, cls):
    """The instance ``__dict__`` through the class's C getter, or None (no property, no __getattr__)."""
    return _read_dict(_dict_getter(cls), x, cls)


def _dict_getter(cls):
    """The C getter of the instances' ``__dict__`` found along the MRO, or None."""
    descr, has = class_attr(cls, "__dict__")
    return descr if has and type(descr) is _GETSET else None


def _read_dict(getter, x, cls):
    if getter is None:
        return None
    try:
        d = getter.__get__(x, cls)
    except Exception:
        return None
    return d if type(d) is dict else None


def _layout(cls):
    """(the ``__dict__`` getter or None, the slots' member descriptors along the MRO): where a
    class statement's instances keep their fields, read from the raw class dicts."""
    slots = []
    for klass in _MRO.__get__(cls):
        if klass is object:
            continue  # builtin: no slots of a class statement
        namespace = _CLASS_DICT.__get__(klass)
        if not is_builtin_class(klass) and "__slots__" in namespace:
            for value in namespace.values():
                if type(value) is _MEMBER:
                    slots.append(value)
    return _dict_getter(cls), slots


def _is_enum_meta(meta) -> bool:
    """``meta`` is enum's EnumMeta or derives from it (looked up in sys.modules: never imported here)."""
    enum = sys.modules.get("enum")
    if type(enum) is not types.ModuleType:
        return False
    enum_meta = _MODULE_DICT.__get__(enum).get("EnumMeta")
    return type(enum_meta) is type and issubclass(meta, enum_meta)


def _defining_class(cls, name):
    for klass in _MRO.__get__(cls):
        if name in _CLASS_DICT.__get__(klass):
            return klass
    return None


def _plain_members(exc, cls) -> bool:
    """The C members a builtin __str__ formats (errno, filename, msg, ...) hold plain values."""
    for klass in _MRO.__get__(cls):
        if not is_builtin_class(klass):
            continue
        for value in _CLASS_DICT.__get__(klass).values():
            if type(value) is _MEMBER:
                try:
                    member = value.__get__(exc, cls)
                except AttributeError:
                    continue
                if not is_plain(member):
                    return False
    return True
