#!/usr/bin/env bash
# Fetches Debian's mecab-ipadic source release (EUC-JP CSVs: mecab-ipadic-2.7.0-20070801 plus
# Debian's additions) and compiles it with MeCab's own mecab-dict-index, the way Debian's
# mecab-ipadic-utf8 postinst does (-f EUC-JP -t UTF-8, dicrc with EUC-JP replaced by UTF-8).
#
#   benches/fetch_debian_ipadic.sh OUTDIR
#
# Leaves OUTDIR/src (the source dicdir as shipped, EUC-JP), OUTDIR/bin (MeCab's binary dicdir),
# OUTDIR/bin-sorted (the same sources compiled from one CSV holding every *.csv in file-name
# order, i.e. the homograph order wakachi uses) and OUTDIR/readdir-order.txt (the CSV order
# mecab-dict-index read). Needs apt-get (Debian/Ubuntu archive reachable) and mecab-dict-index
# (`apt-get install mecab-utils`); exits 2 when either is missing. Reruns reuse what exists.
set -euo pipefail

out=${1:?usage: $0 OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

dict_index=""
for c in /usr/lib/mecab/mecab-dict-index /usr/libexec/mecab/mecab-dict-index \
    /usr/local/libexec/mecab/mecab-dict-index "$(command -v mecab-dict-index || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then dict_index=$c; break; fi
done
if [ -z "$dict_index" ]; then
    echo "mecab-dict-index not found (Debian/Ubuntu: apt-get install mecab-utils)" >&2
    exit 2
fi

if [ ! -f "$out/src/matrix.def" ]; then
    command -v apt-get >/dev/null || { echo "apt-get not found: cannot download mecab-ipadic" >&2; exit 2; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download mecab-ipadic) || { echo "apt-get download mecab-ipadic failed" >&2; exit 2; }
    dpkg-deb -x "$tmp"/mecab-ipadic_*.deb "$tmp/root"
    rm -rf "$out/src"
    mv "$tmp/root/usr/share/mecab/dic/ipadic" "$out/src"
    ls "$tmp"/mecab-ipadic_*.deb | xargs -n1 basename > "$out/deb-version.txt"
fi

# compile SRC DST: mecab-dict-index as Debian's postinst runs it, plus its dicrc.
compile() {
    local src=$1 dst=$2
    [ -f "$dst/sys.dic" ] && return 0
    rm -rf "$dst.tmp" && mkdir -p "$dst.tmp"
    "$dict_index" -d "$src" -o "$dst.tmp" -f EUC-JP -t UTF-8 > "$dst.tmp/log.txt" 2>&1 \
        || { tr '\r' '\n' < "$dst.tmp/log.txt" | tail -5 >&2; exit 1; }
    sed "s,EUC-JP,UTF-8,g" "$out/src/dicrc" > "$dst.tmp/dicrc"
    rm -rf "$dst" && mv "$dst.tmp" "$dst"
}

compile "$out/src" "$out/bin"
# The order mecab-dict-index took the CSVs in (readdir order of this filesystem).
tr '\r' '\n' < "$out/bin/log.txt" | sed -n 's,^reading .*/\([^/]*\.csv\) \.\.\..*,\1,p' > "$out/readdir-order.txt"

if [ ! -f "$out/bin-sorted/sys.dic" ]; then
    rm -rf "$out/src-sorted" && mkdir -p "$out/src-sorted"
    for f in matrix.def char.def unk.def dicrc left-id.def right-id.def pos-id.def rewrite.def feature.def; do
        [ -f "$out/src/$f" ] && cp "$out/src/$f" "$out/src-sorted/"
    done
    # One CSV, so MeCab's homograph order is the file-name order (LC_ALL=C: byte order, as Rust sorts).
    (cd "$out/src" && LC_ALL=C ls -- *.csv | LC_ALL=C sort | LC_ALL=C xargs awk 1) > "$out/src-sorted/all.csv"
    compile "$out/src-sorted" "$out/bin-sorted"
    rm -rf "$out/src-sorted"
fi
echo "$out"
