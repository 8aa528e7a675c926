"""Regenerates this directory's data from the installed Python `jieba` 0.42.1 (MIT licence,
https://github.com/fxsjy/jieba): `dict.txt` is jieba's dictionary, byte for byte; `hmm.txt` holds
the finalseg HMM (start, transition and emission log-probabilities) written with `repr`, so every
number parses back to the same double. Run: `python generate.py` (with jieba installed)."""

import os
import shutil

import jieba
from jieba.finalseg import emit_P, start_P, trans_P

HERE = os.path.dirname(os.path.abspath(__file__))
STATES = "BEMS"
MIN_FLOAT = -3.14e100


def main() -> None:
    assert jieba.__version__ == "0.42.1", jieba.__version__
    shutil.copyfile(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), os.path.join(HERE, "dict.txt"))
    with open(os.path.join(HERE, "hmm.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# jieba 0.42.1 finalseg HMM, states B E M S; '-' = absent (jieba uses -3.14e100)\n")
        f.write("start\t" + "\t".join(repr(start_P[s]) for s in STATES) + "\n")
        for s in STATES:
            f.write(f"trans\t{s}\t" + "\t".join(repr(trans_P[s].get(t, MIN_FLOAT)) for t in STATES) + "\n")
        chars = sorted(set().union(*(emit_P[s] for s in STATES)))
        for c in chars:
            assert len(c) == 1 and not c.isspace(), repr(c)
            row = [repr(emit_P[s][c]) if c in emit_P[s] else "-" for s in STATES]
            f.write(f"emit\t{c}\t" + "\t".join(row) + "\n")


if __name__ == "__main__":
    main()
