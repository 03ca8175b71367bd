"""Protections for a child that runs without the jail (no user namespaces here).

Loaded by path by the runner and entered before any user code runs: ``enter(job["fallback"])``.
Stdlib only, Python 3.9+, inside the user's interpreter. Two layers, each optional:

* Landlock (Linux >= 5.13, unprivileged): writes, creations and removals are allowed only beneath
  the run's writable folders, plus writing to the few devices ordinary code writes to (``DEVICES``);
  reads stay allowed everywhere. Inherited by every process
  the tests start. Where the kernel's ABI allows it, also no signals to processes outside the run
  and, for a run without network, no TCP and no abstract unix sockets outside the run.
* The buffer: the document's module, imported under any name (plain imports, pytest with or without
  its assertion rewriting, the doctest runner, ``runpy.run_path``), runs the editor's text instead of
  the file on disk, compiled with the document's real path so the tracer recognises its code.

``macos_profile`` writes the ``sandbox-exec`` profile for the same write rule on macOS; applying it
is up to whoever starts the child (a profile cannot be entered from inside Python without private API).

Nothing here may raise into the runner: a layer that cannot be set up is simply not in the list
``enter`` returns, and ``PROBLEMS`` says why.
"""
import ast
import ctypes
import errno
import importlib.machinery
import importlib.util
import linecache
import os
import stat
import sys
import threading
import types

PROBLEMS = []  # one line per layer that could not be set up, for doctor and the run's notes

# -- Landlock -------------------------------------------------------------------------------------

# Landlock's syscalls have one number on every architecture with the common syscall table; the few
# with their own tables (alpha, ia64, MIPS) get nothing rather than a wrong syscall.
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
OWN_SYSCALL_TABLES = ("alpha", "ia64", "mips")
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights (include/uapi/linux/landlock.h) that change the tree, with the ABI that added
# them. Reading and executing stay unhandled: the fallback keeps reads everywhere.
WRITE_FILE = 1 << 1
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2: rename/link across folders (on ABI 1 always denied)
TRUNCATE = 1 << 14  # ABI 3: truncate(2) and O_TRUNC (on ABI 1-2 not controlled at all)
WRITE_RIGHTS_BY_ABI = (
    (1, WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO
     | MAKE_BLOCK | MAKE_SYM),
    (2, REFER),
    (3, TRUNCATE),
)
# The only write rights a rule on a single file (not a folder) may carry.
FILE_RIGHTS = WRITE_FILE | TRUNCATE
# The devices a test may write to without the jail. Not all of /dev: /dev/shm is a shared, persistent
# tmpfs (a run could leave segments there, or plant files other processes trust), and /dev/mqueue
# likewise. /dev/pts (and /dev/ptmx to open one) keep pty-based tests working. A device missing here
# is simply not allowed. The cost: POSIX semaphores and shared memory (multiprocessing's Lock, Queue,
# shared_memory) fail with PermissionError in a fallback run; the jail gives them a private /dev/shm.
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
           "/dev/pts")
WRITES_NAME = "writes only beneath the run's scratch and to /dev/null, ttys and the like (Landlock ABI %d)"
# ABI 4: TCP rights, handled without any rule = no TCP bind or connect at all.
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
# ABI 6: what a process may reach outside its own Landlock domain.
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # packed in the kernel's header: 12 bytes, no padding after parent_fd
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return ctypes.CDLL("libc.so.6", use_errno=True)


def _syscall(libc, number, *args):
    """(result, errno): a raw syscall with every argument passed at full register width."""
    fn = libc.syscall
    fn.restype = ctypes.c_long
    ctypes.set_errno(0)
    result = fn(ctypes.c_long(number), *args)
    return result, ctypes.get_errno()


def landlock_abi():
    """(ABI version, "") when Landlock can restrict this process, else (0, one line saying why)."""
    if not sys.platform.startswith("linux"):
        return 0, "Landlock is Linux only"
    machine = os.uname().machine.lower()
    if machine.startswith(OWN_SYSCALL_TABLES):
        return 0, "Landlock's syscall numbers are not known for " + machine
    try:
        abi, err = _syscall(_libc(), SYS_CREATE_RULESET, ctypes.c_void_p(None), ctypes.c_size_t(0),
                            ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (OSError, AttributeError) as exc:
        return 0, "no syscall() in the C library: " + str(exc)
    if abi > 0:
        return int(abi), ""
    if err == errno.ENOSYS:
        return 0, "the kernel has no Landlock (Linux 5.13+ built with CONFIG_SECURITY_LANDLOCK), or seccomp hides it"
    if err == errno.EOPNOTSUPP:
        return 0, "Landlock is built in but not enabled (add landlock to the kernel's lsm= boot list)"
    return 0, "Landlock refused: " + os.strerror(err)


def _write_rights(abi):
    rights = 0
    for since, bits in WRITE_RIGHTS_BY_ABI:
        if abi >= since:
            rights |= bits
    return rights


def restrict(writable, network=True):
    """Landlock this process (and every process it starts) to writing beneath ``writable`` and to ``DEVICES``.

    Where the kernel's ABI allows: no signals to processes outside the run (ABI 6), and without
    ``network`` no TCP bind/connect (ABI 4) and no abstract unix sockets outside the run (ABI 6),
    which is what the jail's network namespace takes away. Returns the protection names that took
    effect ([] when none did); never raises."""
    abi, why = landlock_abi()
    if not abi:
        PROBLEMS.append("Landlock: " + why)
        return []
    libc = _libc()
    rights = _write_rights(abi)
    net = 0 if network or abi < 4 else NET_BIND_TCP | NET_CONNECT_TCP
    scoped = 0 if abi < 6 else SCOPE_SIGNAL | (0 if network else SCOPE_ABSTRACT_UNIX_SOCKET)
    if not network and abi < 4:
        PROBLEMS.append("Landlock: ABI %d cannot deny TCP (needs ABI 4, Linux 6.7): the network stays open" % abi)
    attr = _RulesetAttr(rights, net, scoped)
    # The kernel reads as many bytes as we say, and older kernels refuse fields they do not know.
    size = ctypes.sizeof(ctypes.c_uint64) * (3 if scoped else 2 if net else 1)
    ruleset, err = _syscall(libc, SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        PROBLEMS.append("Landlock: no ruleset: " + os.strerror(err))
        return []
    try:
        for path in list(writable or []):
            problem = _allow_beneath(libc, ruleset, path, rights)
            if problem:
                # A folder we cannot allow stays read-only: the safe direction. Noted, not fatal.
                PROBLEMS.append("Landlock: %s stays read-only: %s" % (path, problem))
        for path in DEVICES:
            # Writing only: nothing is created or removed among the devices (a pty's node is made by
            # the kernel when /dev/ptmx is opened). A device this machine lacks needs no rule.
            if os.path.exists(path):
                _allow_beneath(libc, ruleset, path, rights & FILE_RIGHTS)
        # Without no_new_privs an unprivileged process may not restrict itself (and a setuid
        # program started by a test could otherwise shed the restriction).
        if libc.prctl(ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                      ctypes.c_ulong(0)) != 0:
            PROBLEMS.append("Landlock: no_new_privs refused: " + os.strerror(ctypes.get_errno()))
            return []
        done, err = _syscall(libc, SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
        if done != 0:
            PROBLEMS.append("Landlock: restrict_self refused: " + os.strerror(err))
            return []
    finally:
        os.close(ruleset)
    names = [WRITES_NAME % abi]
    if scoped & SCOPE_SIGNAL:
        names.append("no signals to processes outside the run (Landlock ABI %d)" % abi)
    if net:
        names.append("no TCP bind or connect (Landlock ABI %d)" % abi)
    if scoped & SCOPE_ABSTRACT_UNIX_SOCKET:
        names.append("no abstract unix sockets outside the run (Landlock ABI %d)" % abi)
    return names


def _allow_beneath(libc, ruleset, path, rights):
    """"" once the rule is in, else why not."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(rights, fd)
        done, err = _syscall(libc, SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                             ctypes.byref(rule), ctypes.c_uint32(0))
        return "" if done == 0 else os.strerror(err)
    finally:
        os.close(fd)


# -- the buffer -----------------------------------------------------------------------------------

class Buffer:
    """The editor's text of the document, read once before any user code could touch its copy."""

    def __init__(self, path, source):
        self.path = os.path.realpath(path)
        self.source = source  # bytes: compile() then honours a coding declaration like an import does
        self.text = importlib.util.decode_source(source)
        self.stem = os.path.splitext(os.path.basename(self.path))[0]
        # A package's __init__.py is imported under the folder's name.
        self.tail = os.path.basename(os.path.dirname(self.path)) if self.stem == "__init__" else self.stem
        self._code = None

    def is_doc(self, filename):
        if not isinstance(filename, str) or os.path.basename(filename) != os.path.basename(self.path):
            return False
        return filename == self.path or os.path.realpath(filename) == self.path

    def code(self):
        # Compiled lazily and once: a module imported under two names runs the same code.
        if self._code is None:
            self._code = compile(self.source, self.path, "exec", dont_inherit=True)
        return self._code

    def rewritten_code(self, rewrite_module, config):
        """The buffer with pytest's assertion rewriting, as pytest would have compiled the file."""
        tree = ast.parse(self.source, filename=self.path)
        rewrite_module.rewrite_asserts(tree, self.source, self.path, config)
        return compile(tree, self.path, "exec", dont_inherit=True)

    def show_in_linecache(self, filename):
        """Tracebacks, inspect.getsource, pytest's failure display and doctest's line numbers read
        source through linecache: under the code's filename (the real path) and under ``__file__``
        (the path it was found at). An mtime of None keeps checkcache() from re-reading the disk."""
        lines = self.text.splitlines(True)
        for name in {self.path, filename}:
            linecache.cache[name] = (len(self.text), None, lines, name)


class BufferLoader(importlib.machinery.SourceFileLoader):
    """A source loader whose code and source come from the buffer (never a .pyc: those are of the disk)."""

    buffer = None  # set on the class made per enter(); a plain class attribute keeps the 3.9 signature

    def get_code(self, fullname):
        self.buffer.show_in_linecache(self.path)
        return self.buffer.code()

    def get_source(self, fullname):
        return self.buffer.text


class BufferFinder:
    """First on sys.meta_path: for names that can be the document, asks the finders after it where
    the name resolves and, when that is the document, loads it from the buffer instead."""

    def __init__(self, buffer, loader_class):
        self.buffer = buffer
        self.loader_class = loader_class
        # Names this thread is resolving through the other finders: one of them asking
        # importlib.util.find_spec in turn must not bring us back to the same question.
        self._asking = threading.local()

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "_pytest.assertion.rewrite":
            return self._patched_on_load(fullname, path, target)
        if fullname.rpartition(".")[2] != self.buffer.tail:
            return None  # the common case: one string comparison per import
        spec = self._others(fullname, path, target)
        if spec is None:
            return self._not_on_disk(fullname, path)
        if not self.buffer.is_doc(spec.origin):
            return None
        loader = self.loader_class(fullname, spec.origin)
        return importlib.util.spec_from_file_location(
            fullname, spec.origin, loader=loader, submodule_search_locations=spec.submodule_search_locations)

    def _not_on_disk(self, fullname, path):
        """The document deleted (or never saved) while its buffer is open: the jail's overlay would
        still show it, so we do too, where the import system would have looked for the file."""
        if os.path.exists(self.buffer.path):
            return None
        package = self.buffer.stem == "__init__"
        for entry in (sys.path if path is None else path):
            if not isinstance(entry, str):
                continue
            folder = os.path.join(entry or os.getcwd(), self.buffer.tail)
            candidate = os.path.join(folder, "__init__.py") if package else folder + ".py"
            if self.buffer.is_doc(candidate):
                return importlib.util.spec_from_file_location(
                    fullname, candidate, loader=self.loader_class(fullname, candidate),
                    submodule_search_locations=[folder] if package else None)
        return None

    def _others(self, fullname, path, target):
        asking = self._asking.__dict__.setdefault("names", set())
        if fullname in asking:
            return None
        asking.add(fullname)
        try:
            for finder in list(sys.meta_path):
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    return spec
        finally:
            asking.discard(fullname)
        return None

    def _patched_on_load(self, fullname, path, target):
        spec = self._others(fullname, path, target)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _ThenPatch(spec.loader, self.buffer)
        return spec


class _ThenPatch:
    """Loads pytest's rewrite module with its own loader, then teaches its hook about the buffer.

    pytest puts its assertion-rewriting finder before ours (sys.meta_path[0]) and reads test files
    (and its cached rewritten .pyc) from disk: when the document is a test file, its exec_module
    must run the buffer instead. Patching at load time covers conftest imports too, which happen
    before any pytest_configure hook could."""

    def __init__(self, loader, buffer):
        self.loader = loader
        self.buffer = buffer

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader  # the module looks as if we had never been there
        self.loader.exec_module(module)
        _patch_pytest_rewrite(module, self.buffer)


def _patch_pytest_rewrite(rewrite_module, buffer):
    hook_class = getattr(rewrite_module, "AssertionRewritingHook", None)
    original = getattr(hook_class, "exec_module", None)
    if original is None or getattr(original, "tracefix_buffer", None) is not None:
        return

    def exec_module(hook, module):
        spec = getattr(module, "__spec__", None)
        origin = getattr(spec, "origin", None)
        if not buffer.is_doc(origin):
            return original(hook, module)
        # pytest's bookkeeping of what it rewrote: a set before pytest 7, a dict of paths since.
        names = getattr(hook, "_rewritten_names", None)
        if isinstance(names, dict):
            import pathlib

            names[module.__name__] = pathlib.Path(origin)
        elif isinstance(names, set):
            names.add(module.__name__)
        buffer.show_in_linecache(origin)
        try:
            code = buffer.rewritten_code(rewrite_module, getattr(hook, "config", None))
        except SyntaxError:
            raise  # the user's own error, reported by pytest like any broken test file
        except Exception:
            code = buffer.code()  # a pytest whose rewriter we do not know: plain asserts, right text
        exec(code, module.__dict__)

    exec_module.tracefix_buffer = buffer
    hook_class.exec_module = exec_module


def _patch_run_path(buffer):
    """runpy.run_path(document) (the __main__ block) reads the file itself, past any import hook."""
    import runpy

    original = runpy.run_path
    if getattr(original, "tracefix_buffer", None) is not None:
        return

    def run_path(path_name, init_globals=None, run_name=None):
        try:
            is_doc = buffer.is_doc(os.fspath(path_name))
        except TypeError:
            is_doc = False
        if not is_doc:
            return original(path_name, init_globals, run_name)
        path_name = os.fspath(path_name)
        run_name = run_name or "<run_path>"
        module = types.ModuleType(run_name)
        namespace = module.__dict__
        if init_globals is not None:
            namespace.update(init_globals)
        # What runpy gives a script run from a file: no spec, no loader, no package.
        namespace.update(__name__=run_name, __file__=path_name, __cached__=None, __loader__=None,
                         __package__=run_name.rpartition(".")[0], __spec__=None)
        missing = object()
        saved_module = sys.modules.get(run_name, missing)
        saved_argv0 = sys.argv[0] if sys.argv else missing
        sys.modules[run_name] = module
        if sys.argv:
            sys.argv[0] = path_name
        buffer.show_in_linecache(path_name)
        try:
            exec(buffer.code(), namespace)
        finally:
            if saved_module is missing:
                sys.modules.pop(run_name, None)
            else:
                sys.modules[run_name] = saved_module
            if saved_argv0 is not missing and sys.argv:
                sys.argv[0] = saved_argv0
        return dict(namespace)

    run_path.tracefix_buffer = buffer
    runpy.run_path = run_path


def serve_buffer(path, copy):
    """Install the buffer for the document at ``path`` (its text in the file ``copy``); [] or the name."""
    try:
        with open(copy, "rb") as f:
            source = f.read()
        buffer = Buffer(path, source)
    except (OSError, ValueError, SyntaxError) as exc:
        PROBLEMS.append("buffer: %s cannot be read (%s): the file on disk runs" % (copy, exc))
        return []
    loader_class = type("BufferLoader", (BufferLoader,), {"buffer": buffer})
    sys.meta_path.insert(0, BufferFinder(buffer, loader_class))
    rewrite = sys.modules.get("_pytest.assertion.rewrite")
    if rewrite is not None:  # pytest already imported (a warm process): patch it now
        _patch_pytest_rewrite(rewrite, buffer)
    _patch_run_path(buffer)
    return ["unsaved buffer served by an import hook"]


# -- entry point ----------------------------------------------------------------------------------

def enter(spec):
    """Apply the fallback described by ``spec`` (job["fallback"]); None means the jail is on: nothing.

    Returns the names of the protections now active. Never raises."""
    if not spec:
        return []
    active = []
    try:
        buffer = spec.get("buffer") or {}
        if buffer.get("copy") and buffer.get("path"):
            active += serve_buffer(buffer["path"], buffer["copy"])
    except Exception as exc:  # ours, not the user's: the run goes on without this layer
        PROBLEMS.append("buffer: " + repr(exc))
    try:
        if sys.platform.startswith("linux"):
            active += restrict(spec.get("writable") or [], network=spec.get("network", True) is not False)
    except Exception as exc:
        PROBLEMS.append("Landlock: " + repr(exc))
    return active


# -- macOS ----------------------------------------------------------------------------------------

# Symlinks at the top of macOS's tree: the sandbox matches resolved paths, so rules name /private/...
MACOS_PRIVATE = ("/tmp", "/var", "/etc")
# The system temp: /tmp and /var/tmp, and the per-user folders (confstr DARWIN_USER_TEMP_DIR and
# _CACHE_DIR) that system libraries write to whatever TMPDIR says.
MACOS_TEMP = ("/private/tmp", "/private/var/tmp", "/private/var/folders")


def _macos_path(path):
    path = os.path.abspath(path)
    if sys.platform == "darwin":
        path = os.path.realpath(path)
    for top in MACOS_PRIVATE:
        if path == top or path.startswith(top + "/"):
            return "/private" + path
    return path


def _sbpl_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def macos_profile(writable):
    """A sandbox-exec (SBPL) profile: everything allowed except writing outside ``writable``, /dev and
    the system temp. Use: ``sandbox-exec -p PROFILE python ...``."""
    folders = []
    for path in list(writable or []):
        if not isinstance(path, str) or not path or any(ord(c) < 32 for c in path):
            continue  # a folder we cannot name in the profile stays read-only (the safe direction)
        folders.append(_macos_path(path))
    folders += ["/dev", *MACOS_TEMP]
    rules = "\n".join("    (subpath %s)" % _sbpl_string(p) for p in dict.fromkeys(folders))
    return ("(version 1)\n"
            ";; tracefix: a run without the jail may write only its scratch, /dev and the system temp\n"
            "(allow default)\n"
            "(deny file-write*)\n"
            "(allow file-write*\n" + rules + ")\n")
