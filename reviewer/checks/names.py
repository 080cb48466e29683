"""Which dotted names a method has no business touching, and what touching them means.

A method gets everything through its `view`, so these names are evidence of an attempt to
read ground truth, reach the network, leave the process or inspect the harness.
"""

from __future__ import annotations

import re

# Check codes and their severities for what a scan of code finds.
SEVERITY = {
    "ground_truth_access": "high",
    "network": "high",
    "process_escape": "high",
    "frame_introspection": "high",
    "dynamic_code": "medium",
}
VERB = {
    "ground_truth_access": "reads",
    "network": "reaches the network with",
    "process_escape": "escapes the process with",
    "frame_introspection": "introspects the interpreter with",
    "dynamic_code": "runs dynamic code with",
}

# Private or platform twins of public modules, so `import posix` is read as `os`.
_CANON = {
    "posix": "os", "nt": "os", "__builtins__": "builtins", "__builtin__": "builtins",
    "_io": "io", "_pyio": "io", "_socket": "socket", "_ssl": "ssl", "_pickle": "pickle",
    "cPickle": "pickle", "_posixsubprocess": "subprocess", "_ctypes": "ctypes",
    "_signal": "signal", "_frozen_importlib": "importlib",
    "_frozen_importlib_external": "importlib", "_imp": "imp", "_operator": "operator",
    "_multiprocessing": "multiprocessing", "_sqlite3": "sqlite3", "_dbm": "dbm", "_gdbm": "dbm",
}
# A rule's module may sit under any other module that imported it (`torch.multiprocessing`,
# `numpy.ctypeslib.ctypes`, `torch.os.system`), so most rules match after any prefix.
_UNDER = r"(?:[^.]+\.)*?"


def _mods(*names: str) -> str:
    return "(?:" + "|".join(re.escape(n) for n in names) + r")(?:\..*)?"


# (pattern, code); each matches the whole dotted name or, after any module prefix, its tail.
_RULES: list[tuple[str, str]] = [
    (_mods("socket", "ssl", "http", "urllib", "urllib2", "urllib3", "requests", "httpx",
           "aiohttp", "ftplib", "smtplib", "poplib", "imaplib", "nntplib", "telnetlib",
           "websocket", "websockets", "xmlrpc", "socketserver", "asyncore", "asynchat",
           "paramiko", "pycurl", "grpc", "zmq", "webbrowser", "smtpd", "torch.hub",
           "torch.distributed"), "network"),
    (r"asyncio\.(open_connection|start_server|open_unix_connection|start_unix_server)",
     "network"),
    (_mods("subprocess", "pty", "multiprocessing", "ctypes", "ctypeslib", "cffi",
           "numpy.f2py", "numpy.distutils", "torch.utils.cpp_extension", "pydoc.pipepager",
           "pydoc.tempfilepager", "pydoc.pager", "pydoc.getpager"), "process_escape"),
    (r"torch(?:\.\w+)*?\.load_library", "process_escape"),
    (r"os\.(system|popen\w*|exec\w*|spawn\w*|posix_spawn\w*|fork\w*|kill\w*|_exit|abort"
     r"|set\w*id|setsid|setpgid|chroot|setpgrp|startfile)(\..*)?", "process_escape"),
    (r"asyncio\.create_subprocess_\w+|concurrent\.futures\.ProcessPoolExecutor",
     "process_escape"),
    (_mods("inspect", "sys._getframe", "sys._current_frames", "sys.modules", "sys.settrace",
           "sys.setprofile", "sys.addaudithook", "sys.gettrace", "gc.get_objects",
           "gc.get_referrers", "gc.get_referents", "threading.settrace", "traceback.walk_stack",
           "traceback.extract_stack", "traceback.walk_tb"), "frame_introspection"),
    (r"(builtins|io)\.(open|open_code|FileIO)|io\.FileIO(\..*)?", "ground_truth_access"),
    (r"os\.(environ|environb|getenv|getenvb|putenv|unsetenv|open|fdopen|walk|fwalk|listdir"
     r"|scandir|stat|lstat|statvfs|readlink|access|read|readv|pread\w*|sendfile"
     r"|copy_file_range|splice|getxattr|listxattr)(\..*)?", "ground_truth_access"),
    (r"os\.path\.(exists|lexists|isfile|isdir|islink|getsize|getmtime|getctime|getatime"
     r"|samefile|ismount)", "ground_truth_access"),
    (_mods("glob", "linecache", "fileinput", "mmap", "shelve", "dbm", "sqlite3", "h5py",
           "zipfile", "tarfile", "filecmp", "netrc", "mailbox", "configparser", "safetensors",
           "pkgutil.get_data", "importlib.resources", "tokenize.open", "codecs.open",
           "gzip.open", "gzip.GzipFile", "bz2.open", "bz2.BZ2File", "lzma.open", "lzma.LZMAFile",
           "wave.open", "aifc.open", "sunau.open", "imghdr.what", "sndhdr.what",
           "mimetypes.read_mime_types", "mimetypes.init", "readline.read_history_file",
           "readline.read_init_file", "PIL.Image.open", "shutil.copy", "shutil.copyfile",
           "shutil.copy2", "shutil.copytree", "shutil.move", "shutil.unpack_archive",
           "shutil.make_archive", "torch.serialization"), "ground_truth_access"),
    (r"numpy(?:\.\w+)*?\.(load|fromfile|fromregex|loadtxt|genfromtxt|recfromcsv|recfromtxt"
     r"|ndfromtxt|mafromtxt|fromtextfile|memmap|open_memmap|DataSource|npyio|_npyio_impl"
     r"|_datasource)(\..*)?", "ground_truth_access"),
    (r"torch(?:\.\w+)*?\.(load|from_file)(\..*)?", "ground_truth_access"),
    (r"xml(?:\.\w+)*?\.(parse|iterparse)", "ground_truth_access"),
    (r"pandas\.read_\w+|scipy\.io\.\w+|pyarrow\.\w+|polars\.(read|scan)_\w+",
     "ground_truth_access"),
    (r"pathlib\.(\w*Path\(\)|\w*Path)\.(open|read_text|read_bytes|glob|rglob|iterdir|exists"
     r"|is_file|is_dir|stat|lstat|walk|readlink|samefile|is_symlink)", "ground_truth_access"),
    (r"builtins\.(eval|exec|compile|__import__|globals|locals|breakpoint)", "dynamic_code"),
    (_mods("importlib", "imp", "runpy", "pickle", "marshal", "dill", "joblib",
           "cloudpickle", "zipimport", "codeop", "sys.path", "sys.meta_path",
           "sys.path_hooks", "types.FunctionType", "types.CodeType", "types.ModuleType",
           "pkgutil", "pydoc", "torch.package", "site.addsitedir", "site.addpackage",
           "logging.config.fileConfig"), "dynamic_code"),
]
# Rules only for a name that starts with the module: these tails are also the names of
# honest submodules (`scipy.signal`, `torch.jit.trace`, `torch.profiler.profile`).
_TOP_RULES: list[tuple[str, str]] = [
    (_mods("signal", "resource"), "process_escape"),
    (_mods("reviewer", "store"), "ground_truth_access"),
    (_mods("code", "timeit", "cProfile", "profile", "trace", "pdb", "bdb", "doctest"),
     "dynamic_code"),
]
_ORDER = ("network", "process_escape", "frame_introspection", "ground_truth_access",
          "dynamic_code")
_COMPILED = sorted(
    [(re.compile(_UNDER + pattern), code) for pattern, code in _RULES]
    + [(re.compile(pattern), code) for pattern, code in _TOP_RULES],
    key=lambda rule: _ORDER.index(rule[1]))  # stable: the gravest code wins

# Attributes whose only use in a method is walking frames, closures or the class tree, or
# (`__self__` of a built-in function) reaching the builtins module without naming it.
FRAME_ATTRS = frozenset({
    "__globals__", "__code__", "__closure__", "__subclasses__", "__bases__", "__mro__",
    "__self__",
    "f_back", "f_locals", "f_globals", "f_code", "f_builtins", "tb_frame", "tb_next",
    "gi_frame", "cr_frame", "ag_frame", "gi_code", "func_globals",
})
# Method names that read the filesystem whatever object they are called on.
READ_METHODS = frozenset({"read_text", "read_bytes", "iterdir", "rglob", "glob"})
# Attribute names distinctive enough to flag on a receiver the scan cannot resolve (a hunk
# may use an alias bound outside it, in lines the diff does not show).
DISTINCTIVE_ATTRS = {
    **dict.fromkeys(("system", "popen", "Popen", "check_output", "check_call", "execv",
                     "execve", "execvp", "spawnv", "fork", "forkpty", "CDLL", "PyDLL",
                     "dlopen", "pipepager"), "process_escape"),
    **dict.fromkeys(("environ", "getenv", "listdir", "scandir", "read_csv", "loadtxt",
                     "fromfile", "genfromtxt", "fromregex", "from_file", "recfromcsv",
                     "recfromtxt"), "ground_truth_access"),
    **dict.fromkeys(("urlopen", "create_connection", "getaddrinfo", "gethostbyname"),
                    "network"),
    **dict.fromkeys(("_getframe", "get_objects", "get_referrers", "get_referents",
                     "currentframe"), "frame_introspection"),
    "import_module": "dynamic_code",
    # Builtins called as attributes: a method has no other object that has them.
    "open": "ground_truth_access",
    **dict.fromkeys(("__import__", "exec"), "dynamic_code"),
}
# Path methods that give another path, so `Path(__file__).resolve().parents` stays a path.
PATH_KEEP = frozenset({
    "parent", "parents", "resolve", "absolute", "with_name", "with_suffix", "with_stem",
    "joinpath", "expanduser", "home", "cwd", "relative_to",
})
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
                        "pathlib.PurePosixPath", "pathlib.WindowsPath"})
NETWORK_SCHEMES = re.compile(r"^(https?|wss?|ftp|tcp|udp|file|sftp|ssh)://", re.I)
_PATH_TOKEN = re.compile(
    r"label|ground_?truth|(?<![a-z])gt(?![a-z])|salt|answer|secret|y_test|y_true|truth"
    r"|cache|baseline|labeled_data", re.I)
_DATA_EXT = re.compile(r"\.(npy|npz|pt|pth|pkl|pickle|safetensors|h5|hdf5|joblib)\b", re.I)
_ANY_EXT = re.compile(r"\.(csv|tsv|json|jsonl|txt|parquet|arrow|feather|db|sqlite)\b", re.I)
_ROOTS = ("/proc", "/data", "/sys/", "/dev/", "/root", "/home", "/etc/", "/tmp", "/mnt",
          "/var/", "~/", "../")


def canon(name: str) -> str:
    """`posix.system` -> `os.system`: one spelling per thing, so the rules stay short."""
    head, dot, rest = name.partition(".")
    head = _CANON.get(head, head)
    return head + dot + rest


def classify(name: str) -> str | None:
    """The check code for touching the dotted `name`, or None when it is harmless."""
    name = ".".join(_CANON.get(part, part) for part in name.split("."))
    for pattern, code in _COMPILED:
        if pattern.fullmatch(name):
            return code
    return None


def suspicious_string(text: str) -> str | None:
    """Why a string constant looks like a label/secret path or a URL, or None."""
    low = text.strip().lower()
    if len(low) < 3:
        return None
    if NETWORK_SCHEMES.match(low):
        return "network"
    pathlike = "/" in low or "\\" in low or "*" in low or bool(_ANY_EXT.search(low))
    if low.startswith(_ROOTS) or _DATA_EXT.search(low) or (pathlike and _PATH_TOKEN.search(low)):
        return "ground_truth_access"
    return None
