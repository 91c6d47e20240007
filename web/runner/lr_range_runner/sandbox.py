"""Keep a learner's code from changing the interpreter that the hidden tests check with.

The learner's code runs in the same interpreter as the harness and the tests,
so it can replace builtins, numpy functions, modules, sys.stdout, the
recursion limit or the working directory. This module takes a snapshot of
that state before any learner code runs and restores it each time the
learner's code returns, so every check after a learner call runs with the
state of the snapshot:

- `take_snapshot` records builtins, sys.modules, the dict of every loaded
  module and of every mutable class defined in one, sys hooks and limits, the
  working directory, the SIGINT handler and numpy's error settings.
- `make_learner_call` is the only way learner code runs. It hides the
  runner's own modules and Pyodide's bridge to JavaScript from sys.modules,
  sends output to an `OutputBuffer` and gives `input()` an empty stdin and a
  scratch working directory. It restores the snapshot when the code returns.
- An audit hook, installed by each runner, records what cannot be undone by restoring
  (reading stack frames, the garbage collector's object lists, trace hooks,
  replacing a function's code, importing `js`, writing files outside the
  scratch directory). The harness then gives no verdict for that run, and
  the browser replaces the interpreter.
"""

import builtins
import gc
import os
import shutil
import signal
import sys
import tempfile
import types

# NOTE: code can still reach module dicts, and Pyodide's functions that hold `js`, through
# object.__subclasses__() and a function's __globals__, which raise no audit event. A message
# it posts lacks the run's secret, and restore undoes module-level changes, but a change inside
# a mutable object (a list in a module, an instance's attributes) is not undone.
# Modules that learner code must not reach through sys.modules: the runner
# itself (a fresh import of it gets a separate copy) and Pyodide's bridge to
# the page, which would let code post messages to the page or run JavaScript.
PRIVATE_MODULE_PREFIXES = ("lr_range_runner", "js", "pyodide", "_pyodide", "pyodide_js", "_pyodide_core")

# Audit events after which a run's result cannot be trusted, because the code
# could reach the harness's frames or objects, or change state that
# `take_snapshot`'s restore cannot put back.
UNTRUSTED_EVENTS = {
    "sys._getframe": "sys._getframe() (reads the test harness's stack frames)",
    "sys._current_frames": "sys._current_frames() (reads the test harness's stack frames)",
    "gc.get_objects": "gc.get_objects() (reaches the test harness's objects)",
    "gc.get_referrers": "gc.get_referrers() (reaches the test harness's objects)",
    "gc.get_referents": "gc.get_referents() (reaches the test harness's objects)",
    "sys.settrace": "sys.settrace() (can change the test harness's variables)",
    "sys.setprofile": "sys.setprofile() (can change the test harness's variables)",
    "sys.addaudithook": "sys.addaudithook() (a hook that cannot be removed)",
    "sys.monitoring.register_callback": "sys.monitoring callbacks (run inside the test harness's checks)",
    "ctypes.dlopen": "ctypes (writes to arbitrary memory)",
    "ctypes.dlsym": "ctypes (writes to arbitrary memory)",
    "ctypes.addressof": "ctypes (writes to arbitrary memory)",
    # numpy imports ctypes before any learner code runs, so "import ctypes" raises no
    # ctypes.dlopen; these events are what from_address, from_buffer and friends raise.
    "ctypes.cdata": "ctypes (reads and writes arbitrary memory)",
    "ctypes.cdata/buffer": "ctypes (reads and writes arbitrary memory)",
    "ctypes.string_at": "ctypes (reads arbitrary memory)",
    "ctypes.wstring_at": "ctypes (reads arbitrary memory)",
    "ctypes.call_function": "ctypes (calls C functions directly)",
}

# Frame attributes whose reading is audited; a frame leads to the harness's frames through f_back.
FRAME_ATTRIBUTES = {"tb_frame", "gi_frame", "cr_frame", "ag_frame"}

# Function attributes whose assignment is audited: it changes code that the tests may call.
FUNCTION_ATTRIBUTES = {"__code__", "__defaults__", "__kwdefaults__"}

# Audit events that change files, with the index of the path argument.
FILE_EVENTS = {"os.remove": 0, "os.rename": 0, "os.mkdir": 0, "os.rmdir": 0, "os.chmod": 0,
               "os.symlink": 1, "os.link": 1, "os.truncate": 0, "os.utime": 0, "shutil.rmtree": 0}

OPEN_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

# Py_TPFLAGS_IMMUTABLETYPE: classes with this flag (builtins, numpy's C types) cannot be patched.
IMMUTABLE_TYPE_FLAG = 1 << 8

_MISSING = object()


class RunInterrupted(KeyboardInterrupt):
    """The page asked to stop the run (Stop button or time limit) through Pyodide's interrupt buffer."""


def raise_run_interrupted(signum, frame):
    raise RunInterrupted()


def is_private_module(name):
    return name.split(".", 1)[0] in PRIVATE_MODULE_PREFIXES


def install_audit_hook():
    """Install an audit hook; return the closures (set_recording, take_events, note_recycle, watch_functions).

    The hook's state lives only in closures that no module global refers to, so
    code that finds this module still cannot switch the hook off or clear what
    it recorded. Audit hooks cannot be removed; each call adds one.
    """
    # "watched": ids of the functions loaded at snapshot time; changing one of them outlives restore.
    state = {"recording": False, "scratch": None, "watched": frozenset()}
    untrusted = []
    recycle = []
    record_untrusted = untrusted.append
    record_recycle = recycle.append
    untrusted_events = dict(UNTRUSTED_EVENTS)
    frame_attributes = frozenset(FRAME_ATTRIBUTES)
    function_attributes = frozenset(FUNCTION_ATTRIBUTES)
    file_events = dict(FILE_EVENTS)
    write_flags = OPEN_WRITE_FLAGS
    function_type = types.FunctionType
    private = is_private_module
    fspath = os.fspath
    isinstance_ = isinstance

    def outside_scratch(path):
        scratch = state["scratch"]
        try:
            text = fspath(path)
        except TypeError:
            return True
        if isinstance_(text, bytes):
            text = text.decode("utf-8", "replace")
        if scratch is None:
            return True
        return text.startswith("/") and not text.startswith(scratch)

    def opens_for_writing(arguments):
        mode, flags = arguments[1], arguments[2]
        if isinstance_(mode, str):
            return "w" in mode or "a" in mode or "x" in mode or "+" in mode
        return isinstance_(flags, int) and bool(flags & write_flags)

    def hook(event, arguments):
        if not state["recording"]:
            return
        if event in untrusted_events:
            record_untrusted(untrusted_events[event])
        elif event == "object.__getattr__" and arguments[1] in frame_attributes:
            record_untrusted(f"reading .{arguments[1]} (leads to the test harness's stack frames)")
        elif event == "object.__setattr__" and isinstance_(arguments[0], function_type) and arguments[1] in function_attributes \
                and id(arguments[0]) in state["watched"]:
            record_untrusted(f"assigning a function's {arguments[1]} (changes code that stays loaded)")
        elif event == "import" and isinstance_(arguments[0], str) and private(arguments[0]):
            record_untrusted(f"import {arguments[0]} (reaches the page or the test harness)")
        elif event == "open" and opens_for_writing(arguments) and outside_scratch(arguments[0]):
            record_recycle(f"wrote {arguments[0]!r} outside the run's scratch folder")
        elif event in file_events and outside_scratch(arguments[file_events[event]]):
            record_recycle(f"{event} on {arguments[file_events[event]]!r} outside the run's scratch folder")

    def set_recording(recording, scratch=None):
        state["recording"] = recording
        state["scratch"] = scratch

    def watch_functions(function_ids):
        state["watched"] = function_ids

    def note_recycle(reason):
        record_recycle(reason)

    def take_events():
        """Return and clear the recorded (untrusted, recycle) reasons, each without repeats."""
        found = (list(dict.fromkeys(untrusted)), list(dict.fromkeys(recycle)))
        untrusted.clear()
        recycle.clear()
        return found

    sys.addaudithook(hook)
    return set_recording, take_events, note_recycle, watch_functions


def mutable_classes(namespaces):
    """Yield each patchable class defined in the given module dicts, once."""
    seen = set()
    for namespace in namespaces:
        for value in list(namespace.values()):
            if isinstance(value, type) and not value.__flags__ & IMMUTABLE_TYPE_FLAG and id(value) not in seen:
                seen.add(id(value))
                yield value


def make_monitoring_reset():
    """Return a function that removes every sys.monitoring tool that was not in use now.

    A callback registered by learner code would otherwise run inside the
    harness's checks and keep running in later runs.
    """
    monitoring = sys.monitoring
    tool_ids = range(6)  # sys.monitoring has tool ids 0 to 5.
    tools_in_use = {tool: monitoring.get_tool(tool) for tool in tool_ids}
    events = [getattr(monitoring.events, name) for name in dir(monitoring.events) if name.isupper() and name != "NO_EVENTS"]

    def reset():
        for tool in tool_ids:
            if tools_in_use[tool] is not None:
                continue
            for event in events:
                try:
                    monitoring.register_callback(tool, event, None)
                except ValueError:
                    pass
            if monitoring.get_tool(tool) is not None:
                monitoring.set_events(tool, 0)
                monitoring.free_tool_id(tool)

    return reset



def take_snapshot():
    """Record the state that learner code may change and the tests depend on; return (restore, reapply, function_ids).

    function_ids are the ids of the functions found in module and class dicts,
    whose code and defaults `restore` does not put back.

    The copies live only in the closure of `restore`, so code that finds this
    module cannot change what it restores. `restore` puts back builtins,
    sys.modules, the dict of every module and patchable class loaded now, sys
    hooks, limits and search paths, the working directory, os.environ, the
    SIGINT handler, the garbage collector's switch and numpy's error settings.
    Changes inside other objects (a list in some module, an instance's
    attributes) are not undone.
    """
    saved_builtins = dict(builtins.__dict__)
    saved_modules = dict(sys.modules)
    module_dicts = tuple(
        (module.__dict__, dict(module.__dict__))
        for module in saved_modules.values()
        if isinstance(getattr(module, "__dict__", None), dict) and module is not sys
    )
    class_dicts = tuple(
        (cls, dict(cls.__dict__)) for cls in mutable_classes(namespace for namespace, _ in module_dicts)
    )
    sys_attributes = tuple(
        (name, getattr(sys, name))
        for name in ("stdin", "stdout", "stderr", "displayhook", "excepthook", "breakpointhook", "unraisablehook")
    )
    sys_lists = tuple((getattr(sys, name), tuple(getattr(sys, name))) for name in ("path", "meta_path", "path_hooks"))
    recursion_limit = sys.getrecursionlimit()
    int_max_str_digits = sys.get_int_max_str_digits()
    cwd = os.getcwd()
    environ = dict(os.environ)
    sigint_handler = signal.getsignal(signal.SIGINT)
    gc_enabled = gc.isenabled()
    numpy = sys.modules.get("numpy")
    numpy_errors = numpy.geterr() if numpy else None

    # sys is restored item by item, because its dict cannot be cleared safely.
    sys_dict = sys.__dict__
    saved_sys = dict(sys_dict)

    # Bound now: the first steps run before builtins and sys are restored, so they
    # must not look up a name that learner code may have replaced.
    builtins_dict = builtins.__dict__
    modules = sys.modules
    clear, update, copy_dict = dict.clear, dict.update, dict.copy
    settrace, setprofile = sys.settrace, sys.setprofile
    differs, same_class = dict_differs, restore_class
    clear_monitoring = make_monitoring_reset()

    def restore():
        """Restore the snapshot; return (learner_state, new extension module names).

        learner_state contains what learner code changed, for `reapply` before its
        next call, so a module-level patch still applies in the learner's own
        function as it would in plain Python, but never during a check.
        """
        settrace(None)
        setprofile(None)
        clear_monitoring()
        learner_builtins = copy_dict(builtins_dict)
        clear(builtins_dict)
        update(builtins_dict, saved_builtins)
        if not differs(learner_builtins, saved_builtins):
            learner_builtins = None
        learner_sys = dict(sys_dict)
        for key in [key for key in sys_dict if key not in saved_sys]:
            del sys_dict[key]
        for key, value in saved_sys.items():
            if sys_dict.get(key, _MISSING) is not value:
                sys_dict[key] = value

        # An extension module cannot be unloaded, and numpy's refuse a second import, so
        # they stay; the caller then replaces the interpreter after the run.
        new_extensions = [
            name for name, module in modules.items()
            if name not in saved_modules and str(getattr(module, "__file__", "")).endswith(".so")
        ]
        learner_modules = dict(modules)
        clear(modules)
        update(modules, saved_modules)
        learner_dicts = []
        for namespace, saved in module_dicts:
            if differs(namespace, saved):
                learner_dicts.append((namespace, dict(namespace)))
                clear(namespace)
                update(namespace, saved)
        learner_classes = []
        for cls, saved in class_dicts:
            if differs(cls.__dict__, saved):
                learner_classes.append((cls, dict(cls.__dict__)))
                same_class(cls, saved)

        for name, value in sys_attributes:
            setattr(sys, name, value)
        learner_lists = tuple((current, tuple(current)) for current, _ in sys_lists)
        for current, saved in sys_lists:
            current[:] = saved
        learner_limits = (sys.getrecursionlimit(), sys.get_int_max_str_digits())
        sys.setrecursionlimit(recursion_limit)
        sys.set_int_max_str_digits(int_max_str_digits)

        os.chdir(cwd)
        learner_environ = dict(os.environ)
        if learner_environ != environ:
            os.environ.clear()
            os.environ.update(environ)
        if signal.getsignal(signal.SIGINT) is not sigint_handler:
            signal.signal(signal.SIGINT, sigint_handler)
        if gc_enabled:
            gc.enable()
        else:
            gc.disable()
        learner_numpy_errors = None
        if numpy_errors is not None:
            learner_numpy_errors = numpy.geterr()
            numpy.seterr(**numpy_errors)

        learner_state = (learner_builtins, learner_sys, learner_modules, learner_dicts, learner_classes, learner_lists,
                         learner_limits, learner_environ, learner_numpy_errors)
        return learner_state, new_extensions

    def reapply(learner_state):
        """Put back what learner code had changed when its last call returned."""
        learner_builtins, learner_sys, learner_modules, learner_dicts, learner_classes, learner_lists, limits, \
            learner_environ, learner_numpy_errors = learner_state
        for key, value in learner_sys.items():
            if key not in ("stdin", "stdout", "stderr") and sys_dict.get(key, _MISSING) is not value:
                sys_dict[key] = value
        clear(modules)
        update(modules, learner_modules)
        for namespace, changed in learner_dicts:
            clear(namespace)
            update(namespace, changed)
        for cls, changed in learner_classes:
            same_class(cls, changed)
        for current, changed in learner_lists:
            current[:] = changed
        sys.setrecursionlimit(limits[0])
        sys.set_int_max_str_digits(limits[1])
        if learner_builtins is not None:
            clear(builtins_dict)
            update(builtins_dict, learner_builtins)
        if learner_environ != environ:
            os.environ.clear()
            os.environ.update(learner_environ)
        if learner_numpy_errors is not None:
            numpy.seterr(**learner_numpy_errors)

    function_ids = frozenset(
        id(value)
        for _, saved in module_dicts + class_dicts
        for value in saved.values()
        if isinstance(value, types.FunctionType)
    )
    return restore, reapply, function_ids


def dict_differs(current, saved):
    """Tell whether `current` contains other keys or other objects than `saved`."""
    if len(current) != len(saved):
        return True
    get = current.get
    for key, value in saved.items():
        if get(key, _MISSING) is not value:
            return True
    return False


def restore_class(cls, saved):
    """Set and delete attributes of `cls` until its dict contains the items of `saved`."""
    current = cls.__dict__
    for key in [key for key in current if key not in saved]:
        delattr(cls, key)
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value and key not in ("__dict__", "__weakref__"):
            setattr(cls, key, value)


class OutputBuffer:
    """A text stream that keeps at most `limit` characters per run and counts the rest.

    A 10 MB print costs one slice, not 10 MB of memory. `close()` is ignored,
    so code that closes sys.stdout does not break the tests that follow.
    """

    def __init__(self, limit):
        self.limit = limit
        self.parts = []
        self.kept = 0
        self.dropped = 0

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self.limit - self.kept
        if room > 0:
            part = text[:room]
            self.parts.append(part)
            self.kept += len(part)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def close(self):
        pass

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def take(self):
        """Return the text written since the last call and clear it (the budget is not reset)."""
        text = "".join(self.parts)
        self.parts = []
        return text


class EmptyInput:
    """sys.stdin during a run: input() raises EOFError with a message that explains why."""

    def readline(self, size=-1):
        raise EOFError("input() has nothing to read here: the tests pass the data to suggest_lr as arguments")

    read = readline

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("stdin is not available while the tests run")


def make_learner_call(restore, reapply, set_recording, note_recycle, output, scratch_dir):
    """Return `call(function, *arguments)`, the only way the harness runs learner code.

    During the call, private modules are hidden, output goes to `output`,
    input() has nothing to read, the working directory is `scratch_dir` and
    the audit hook records. Afterwards `restore` runs, whatever happened.
    Exceptions, RunInterrupted included, pass through. Everything it uses is
    bound in this closure, because the code it calls can patch classes and
    module globals. Replacing a function's code is audited.
    """
    private = is_private_module
    modules = sys.modules
    chdir = os.chdir
    empty_input = EmptyInput()
    collect = gc.collect
    learner_state = []

    def call(function, *arguments):
        if learner_state:
            reapply(learner_state[0])
        for name in [name for name in modules if private(name)]:
            del modules[name]
        sys.stdout = sys.stderr = output
        sys.stdin = empty_input
        chdir(scratch_dir)
        set_recording(True, scratch_dir)
        try:
            return function(*arguments)
        finally:
            # Finalizers of the learner's garbage run here, inside the call, not during a check.
            try:
                collect()
            finally:
                set_recording(False)
                state, new_extensions = restore()
                learner_state[:] = [state]
                for name in new_extensions:
                    note_recycle(f"loaded the extension module {name}, which cannot be unloaded")

    return call


def make_scratch_dir():
    return tempfile.mkdtemp(prefix="run-")


def remove_scratch_dir(path):
    shutil.rmtree(path, ignore_errors=True)
