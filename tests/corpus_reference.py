"""An independent Python reference of `wakachi corpus`, written from the documented rules
(bert-japanese `make_corpus_wiki.py` and `merge_split_corpora.py` as described in
shared/research/B_pipelines.md §1.1), and the CirrusSearch-format test dump built from the shared
corpora with the artifacts the cleaning removes planted in it.

Wikipedia: per JSON line, skip records with an "index" key; clean the text with Python's `re`
(NFKC; `str.isprintable()`; `\\[\\d+?\\]`; `\\[要.+?\\]`; `\\{\\{+[^{}]+?\\}\\}+`; `^.+? \\> TITLE` unless
the title is null; ` \\^ .+`; `\\[(要出典|リンク切れ|.+?\\?)\\]`; `\\s+` → " " and strip); cut with the
MeCab 句点 rule of split_reference.py; keep stripped sentences with `min <= len <= max` and no
`\\displaystyle`; a blank line after each page that kept one.

Deal: `random.Random(seed)`; the first file `randint(1, N)` (N wraps to the first); each line
`" ".join(line.split())` to the current file; after an empty one, the next file is
`randrange(N)`; an input not ending in a blank line gets one.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata

from split_reference import cl_tohoku_raw, corpus_lines

_FOOTNOTE = re.compile(r"\[\d+?\]")
_YO = re.compile(r"\[要.+?\]")
_TEMPLATE = re.compile(r"\{\{+[^{}]+?\}\}+")
_CARET = re.compile(r" \^ .+")
_ANNOTATION = re.compile(r"\[(要出典|リンク切れ|.+?\?)\]")
_SPACES = re.compile(r"\s+")


def clean_reference(text: str, title: str | None = None) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if c.isprintable())
    text = _FOOTNOTE.sub("", text)
    text = _YO.sub("", text)
    text = _TEMPLATE.sub("", text)
    if title is not None:
        text = re.sub(r"^.+? \> " + re.escape(title), "", text)
    text = _CARET.sub("", text)
    text = _ANNOTATION.sub("", text)
    return _SPACES.sub(" ", text).strip()


def wikipedia_reference(lines: list[str], tagger, min_len: int = 10, max_len: int = 1000) -> list[str]:
    """The output lines (without newlines) for the JSON lines of a dump."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        if "index" in item:
            continue
        text = clean_reference(item["text"], item["title"])
        kept = False
        for raw in cl_tohoku_raw(tagger, text) if text else []:
            s = raw.strip()
            if not s or len(s) < min_len or len(s) > max_len or "\\displaystyle" in s:
                continue
            out.append(s)
            kept = True
        if kept:
            out.append("")
    return out


def deal_reference(inputs: list[list[str]], num_files: int, seed: int = 0) -> list[list[str]]:
    """The lines of each output file, for inputs given as their (universal-newline) lines."""
    rng = random.Random(seed)
    files: list[list[str]] = [[] for _ in range(num_files)]
    index = rng.randint(1, num_files) % num_files
    for lines in inputs:
        last_blank = True
        for line in lines:
            norm = " ".join(line.split())
            files[index].append(norm)
            last_blank = norm == ""
            if last_blank:
                index = rng.randrange(num_files)
        if lines and not last_blank:
            files[index].append("")
            index = rng.randrange(num_files)
    return files


# --- the test dump -----------------------------------------------------------------------------

SOURCES = ["jglue_wikipedia.txt", "aozora_ja.txt", "kwdlc.txt", "ja_debian.txt", "ud_ja_gsd.txt"]

NOISE = [
    "[1]",
    "[23]",
    "［４］",
    "[要出典]",
    "[要検証 – ノート]",
    "[要ページ番号]",
    "[リンク切れ]",
    "[どこ?]",
    "[いつ?]",
    "{{Cite web|url=http://example.com|title=例}}",
    "{{{{lang|en|Tokyo}}}}",
    "{{仮リンク|東京|en|Tokyo}}",
    "{{a{{b}}c}}",
    "{x}}",
    "\u200b",
    "\t",
    "\n",
    "\u3000",
    "\xa0",
    "\u2028",
    "\x07",
    "ＡＢＣ１２３",
    "ｶﾀｶﾅ",
    "[a]",
    "[要]]",
    "[?]",
]


def _page_text(rng: random.Random, sentences: list[str], title: str) -> str:
    parts: list[str] = []
    if rng.random() < 0.3:
        parts.append(rng.choice(["地理", "歴史 > 日本史", "カテゴリ > 下位"]) + " > " + title + " ")
    for s in sentences:
        if rng.random() < 0.1:
            s = s[: len(s) // 2] + " {\\displaystyle x^{2}+1} " + s[len(s) // 2 :]
        if rng.random() < 0.5:
            k = rng.randrange(len(s) + 1)
            s = s[:k] + rng.choice(NOISE) + s[k:]
        parts.append(s + rng.choice(["", " ", "  ", "\n"]))
    if rng.random() < 0.05:
        parts.append("長い" * 600 + "。")
    if rng.random() < 0.3:
        parts.append(" ^ " + rng.choice(["注釈 出典は以下。", "a b c", "脚注。本文ではない。"]))
    return "".join(parts)


def build_dump(n_pages: int = 600, seed: int = 13) -> list[str]:
    """JSON lines in CirrusSearch's layout: a bulk header before each page record."""
    rng = random.Random(seed)
    pool = [ln for name in SOURCES for ln in corpus_lines(name) if ln.strip()]
    out = []
    for i in range(n_pages):
        k = rng.randrange(0, 25)
        start = rng.randrange(len(pool) - k)
        title = rng.choice(["東京都", "C++ (プログラミング言語)", "Ｗｉｋｉ", f"項目{i}", "?", "a.b*c"])
        text = _page_text(rng, pool[start : start + k], title)
        if rng.random() < 0.05:
            title = None
        rec = {
            "namespace": 0,
            "title": title,
            "text": text,
            "timestamp": "2023-01-02T00:00:00Z",
            "category": ["テスト"],
            "popularity_score": 1.5e-7,
        }
        out.append(json.dumps({"index": {"_type": "page", "_id": str(i)}}))
        out.append(json.dumps(rec, ensure_ascii=rng.random() < 0.5))
    return out


def build_full_dump(seed: int = 13) -> list[str]:
    """Like `build_dump`, but every non-blank line of every Japanese corpus appears once, in order."""
    from split_reference import JA_FILES

    rng = random.Random(seed)
    pool = [ln for name in JA_FILES for ln in corpus_lines(name) if ln.strip()]
    out, i, page = [], 0, 0
    while i < len(pool):
        k = rng.randrange(0, 25)
        title = rng.choice(["東京都", "C++ (プログラミング言語)", "Ｗｉｋｉ", f"項目{page}", "?", "a.b*c"])
        text = _page_text(rng, pool[i : i + k], title)
        rec = {"namespace": 0, "title": None if rng.random() < 0.05 else title, "text": text}
        out.append(json.dumps({"index": {"_type": "page", "_id": str(page)}}))
        out.append(json.dumps(rec, ensure_ascii=rng.random() < 0.5))
        i += k
        page += 1
    return out


def kuten_reference(data: str, drop_containing: str | None = None) -> list[str]:
    """colorfulscoop's layout (get_jawiki.sh): drop lines containing a string, put a line break after
    every 。, drop empty lines."""
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line in lines:
        if drop_containing is not None and drop_containing in line:
            continue
        out.extend(p for p in line.replace("。", "。\n").split("\n") if p != "")
    return out
