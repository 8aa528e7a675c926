"""Where MeCab dictionaries are: PyPI packages by name, or a directory the user names."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from wakachi import _core
from wakachi._core import DictionaryError

# name -> (module, attribute holding the dicdir, pip requirement)
PACKAGES = {
    "unidic-lite": ("unidic_lite", "DICDIR", "unidic-lite==1.0.8"),
    "ipadic": ("ipadic", "DICDIR", "ipadic==1.0.0"),
}
ALIASES = {"unidic_lite": "unidic-lite"}


def resolve_mecab_dicdir(name_or_path: str | os.PathLike[str]) -> Path:
    """Returns the dicdir for `unidic-lite`, `ipadic`, or a path to a MeCab dicdir."""
    key = ALIASES.get(str(name_or_path), str(name_or_path))
    if key in PACKAGES:
        module, attr, requirement = PACKAGES[key]
        try:
            mod = importlib.import_module(module)
        except ImportError:
            raise DictionaryError(f"MeCab dictionary {key!r} is not installed: pip install {requirement}") from None
        return Path(getattr(mod, attr))
    path = Path(name_or_path).expanduser()
    if not path.is_dir():
        raise DictionaryError(f"{path}: not a MeCab dicdir (and not one of {', '.join(PACKAGES)})")
    return path


def decompile_mecab(dictionary: str | os.PathLike[str], outdir: str | os.PathLike[str]) -> int:
    """Writes a MeCab dictionary (`unidic-lite`, `ipadic` or a dicdir) back as UTF-8 MeCab source
    files in `outdir`; returns the number of lexicon entries."""
    return _core.decompile_mecab(str(resolve_mecab_dicdir(dictionary)), os.fspath(outdir))


def default_cache_dir() -> Path:
    """`$WAKACHI_CACHE_DIR`, else `$XDG_CACHE_HOME/wakachi`, else `~/.cache/wakachi`."""
    if os.environ.get("WAKACHI_CACHE_DIR"):
        return Path(os.environ["WAKACHI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wakachi"
